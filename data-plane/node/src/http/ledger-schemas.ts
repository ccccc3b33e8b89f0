/** TypeBox schemas of the ledger API (channels, transactions, blocks, state, events). */
import { Type } from '@fastify/type-provider-typebox';

const Hex32 = Type.String({ pattern: '^[0-9a-f]{64}$' });
const HexBytes = Type.String({ pattern: '^([0-9a-f]{2})*$' });
const Height = Type.Integer({ minimum: 0 });

export const ChannelParams = Type.Object({ channel: Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,62}$' }) });
export const TxParams = Type.Object({ channel: ChannelParams.properties.channel, txId: Hex32 });
export const HeightParams = Type.Object({ channel: ChannelParams.properties.channel, height: Type.String({ pattern: '^(0|[1-9][0-9]{0,15})$' }) });
export const KeyParams = Type.Object({ channel: ChannelParams.properties.channel, key: Type.String({ minLength: 1, maxLength: 1024 }) });

export const ChannelsReply = Type.Object({
  channels: Type.Array(Type.Object({ name: Type.String(), suite: Type.String(), height: Height, leaderId: Type.Integer({ minimum: 0 }), role: Type.String() })),
});

export const HeadReply = Type.Object({ height: Height, hash: Hex32, stateRoot: Hex32, timestamp: Height });

export const NodesReply = Type.Object({ nodes: Type.Array(Type.Object({ nodeId: Type.Integer({ minimum: 1 }), publicKey: HexBytes })) });

export const SubmitBody = Type.Object({ tx: HexBytes }, { additionalProperties: false });

const TxStatusValue = Type.Union([Type.Literal('received'), Type.Literal('ordered'), Type.Literal('committed'), Type.Literal('rejected')]);

export const SubmitReply = Type.Object({ txId: Hex32, status: TxStatusValue });

export const BatchSubmitReply = Type.Object({
  results: Type.Array(
    Type.Object({
      txId: Type.Optional(Hex32),
      status: Type.Optional(TxStatusValue),
      error: Type.Optional(Type.Object({ code: Type.String(), message: Type.String() })),
    }),
  ),
});

export const TxStatusReply = Type.Object({
  txId: Hex32,
  status: TxStatusValue,
  code: Type.Optional(Type.String()),
  message: Type.Optional(Type.String()),
  height: Type.Optional(Height),
  index: Type.Optional(Type.Integer({ minimum: 0 })),
});

export const TxProofReply = Type.Object({
  txId: Hex32,
  code: Type.String(),
  height: Height,
  header: HexBytes,
  index: Type.Integer({ minimum: 0 }),
  path: Type.Array(Hex32),
});

export const BlockReply = Type.Object({ height: Height, hash: Hex32, header: HexBytes, block: HexBytes });

export const BlocksQuery = Type.Object(
  { from: Type.Optional(Type.String({ pattern: '^(0|[1-9][0-9]{0,15})$' })), limit: Type.Optional(Type.String({ pattern: '^([1-9][0-9]?|100)$' })) },
  { additionalProperties: false },
);

export const BlocksReply = Type.Object({ blocks: Type.Array(BlockReply) });

export const StateQuery = Type.Object({ height: Type.Optional(Type.String({ pattern: '^(0|[1-9][0-9]{0,15})$' })) }, { additionalProperties: false });

export const StateProofReply = Type.Object({
  key: Type.String(),
  value: Type.Union([HexBytes, Type.Null()]),
  /** The value parsed as JSON, when it is JSON (contract state is): for reading; the proof covers `value`. */
  json: Type.Optional(Type.Unknown()),
  height: Height,
  header: HexBytes,
  siblings: Type.Array(Hex32),
  terminal: Type.Union([
    Type.Object({ kind: Type.Literal('empty') }),
    Type.Object({ kind: Type.Literal('leaf'), path: Hex32, valueHash: Hex32 }),
  ]),
});

export const EventsQuery = Type.Object({ from: Type.Optional(Type.String({ pattern: '^(0|[1-9][0-9]{0,15})$' })) }, { additionalProperties: false });
