/**
 * TypeBox schemas of the HTTP API, requests and responses. Request objects refuse unknown
 * properties; responses are serialized from their schema, so nothing else leaks out.
 */
import { Type } from '@fastify/type-provider-typebox';

const Id = Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER });
const Index = Type.Integer({ minimum: 0 });
const Address = Type.String({ minLength: 3, maxLength: 262 });

export const ErrorBody = Type.Object({
  code: Type.String(),
  message: Type.String(),
  leaderId: Type.Optional(Type.Integer({ minimum: 0 })),
  details: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
});

/** Error responses every route may give. */
export const ERRORS = { '4xx': ErrorBody, '5xx': ErrorBody } as const;

export const KeyParams = Type.Object({ key: Type.String() });

export const PutBody = Type.Object({ value: Type.String() }, { additionalProperties: false });

export const PutReply = Type.Object({ key: Type.String(), revision: Index });

export const GetQuery = Type.Object(
  { consistency: Type.Optional(Type.Union([Type.Literal('linearizable'), Type.Literal('serializable')])) },
  { additionalProperties: false },
);

export const GetReply = Type.Object({ key: Type.String(), value: Type.String(), revision: Index });

export const MemberStatus = Type.Object({
  id: Id,
  raftAddr: Type.String(),
  httpAddr: Type.String(),
  role: Type.Union([Type.Literal('voter'), Type.Literal('learner')]),
  match: Type.Optional(Index),
});

export const StatusReply = Type.Object({
  id: Id,
  role: Type.Union([Type.Literal('leader'), Type.Literal('follower'), Type.Literal('candidate'), Type.Literal('precandidate')]),
  leaderId: Index,
  term: Index,
  commitIndex: Index,
  appliedIndex: Index,
  lastIndex: Index,
  firstIndex: Index,
  members: Type.Array(MemberStatus),
});

export const AddMemberBody = Type.Object({ id: Id, raftAddr: Address, httpAddr: Address }, { additionalProperties: false });

export const MemberReply = Type.Object({
  id: Id,
  raftAddr: Type.String(),
  httpAddr: Type.String(),
  role: Type.Union([Type.Literal('voter'), Type.Literal('learner')]),
});

/** Node ids in paths: digits only, no coercion surprises ("1e3", " 1"). */
export const IdParams = Type.Object({ id: Type.String({ pattern: '^[1-9][0-9]{0,15}$' }) });

export const RemovedReply = Type.Object({ id: Id, removed: Type.Boolean() });

export const TransferBody = Type.Object({ to: Id }, { additionalProperties: false });

export const TransferReply = Type.Object({ leaderId: Id });

export const SnapshotReply = Type.Object({ index: Index });

export const HealthReply = Type.Object({ status: Type.String(), reason: Type.Optional(Type.String()) });
