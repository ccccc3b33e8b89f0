/** The data contract's methods and their argument schemas (checked before ordering: INVALID_ARGS). */
import { Type } from '@sinclair/typebox';
import { MAX_SHARES, SEALED_OVERHEAD, SCALAR_BYTES } from '@konsortium/protocol';
import { MemberId, NodeId } from '../governance/methods.js';
import { ROLES } from '../governance/model.js';

const Strict = { additionalProperties: false } as const;

/** Record and collection ids. */
export const DataId = Type.String({ pattern: '^[a-z0-9][a-z0-9._-]{0,127}$' });
const Hex32 = Type.String({ pattern: '^[0-9a-f]{64}$' });
/** A sealed box of a 32-byte scalar: exactly SEALED_OVERHEAD + 32 bytes, hex. */
export const SealedScalar = Type.String({ pattern: `^[0-9a-f]{${2 * (SEALED_OVERHEAD + SCALAR_BYTES)}}$` });
/** Most base64 characters of an inline body (64 KiB; 48 KiB of ciphertext). */
export const MAX_INLINE_BASE64 = 64 * 1024;
/** Canonical padded base64 (the unused bits of the last group are checked in execution). */
const Base64 = Type.String({ maxLength: MAX_INLINE_BASE64, pattern: '^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$' });
const Size = Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER });
const Time = Type.Integer({ minimum: 0, maximum: 8_640_000_000_000_000 });
const Role = Type.Union(ROLES.map((r) => Type.Literal(r)));
const Text = (max: number) => Type.String({ minLength: 1, maxLength: max });

export const VersionBodySchema = Type.Union([
  Type.Object({ inline: Base64 }, Strict),
  Type.Object({ blob: Type.Object({ hash: Hex32, size: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }) }, Strict) }, Strict),
]);

export const VersionShareSchema = Type.Object({ nodeId: NodeId, index: Type.Integer({ minimum: 1, maximum: MAX_SHARES }), sealed: SealedScalar }, Strict);

/** One record version as the client encrypted it (validated against governance in execution). */
export const VersionArgs = Type.Object(
  {
    plaintextHash: Hex32,
    size: Size,
    body: VersionBodySchema,
    ownerKey: SealedScalar,
    threshold: Type.Integer({ minimum: 1, maximum: MAX_SHARES }),
    commitments: Type.Array(Hex32, { minItems: 1, maxItems: MAX_SHARES }),
    shares: Type.Array(VersionShareSchema, { minItems: 1, maxItems: MAX_SHARES }),
    meta: Type.Optional(Type.Object({ contentType: Type.Optional(Text(255)), name: Type.Optional(Text(255)) }, Strict)),
  },
  Strict,
);

export const GranteeSchema = Type.Union([Type.Object({ member: MemberId }, Strict), Type.Object({ role: Role }, Strict)]);

export const DATA_METHODS = {
  putRecord: Type.Object({ record: DataId, collection: Type.Optional(DataId), version: VersionArgs }, Strict),
  addVersion: Type.Object({ record: DataId, version: VersionArgs }, Strict),
  /** Exactly one of record / collection. */
  grant: Type.Object({ record: Type.Optional(DataId), collection: Type.Optional(DataId), grantee: GranteeSchema, expiresAt: Type.Optional(Time) }, Strict),
  revoke: Type.Object({ record: Type.Optional(DataId), collection: Type.Optional(DataId), grantee: GranteeSchema }, Strict),
  logRelease: Type.Object(
    {
      record: DataId,
      version: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }),
      requester: MemberId,
      requestId: Type.String({ pattern: '^[0-9a-f]{16,64}$' }),
    },
    Strict,
  ),
} as const;

export type DataMethod = keyof typeof DATA_METHODS;
