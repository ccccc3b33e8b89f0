/** The governance contract's methods and their argument schemas. */
import { Type } from '@sinclair/typebox';
import { type FeeOperation, ROLES } from './model.js';

const MemberId = Type.String({ pattern: '^[a-z0-9][a-z0-9._-]{0,63}$' });
const Hex = Type.String({ pattern: '^([0-9a-f]{2}){16,256}$' });
const Roles = Type.Array(Type.Union(ROLES.map((r) => Type.Literal(r))), { minItems: 1, maxItems: ROLES.length, uniqueItems: true });
const NodeId = Type.Integer({ minimum: 1, maximum: 0xffffffff });
/** A node's X25519 public key for sealed key shares (32 bytes hex). */
const SealKey = Type.String({ pattern: '^[0-9a-f]{64}$' });

const FeeRuleSchema = Type.Object(
  { fixed: Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER }), bps: Type.Integer({ minimum: 0, maximum: 10_000 }) },
  { additionalProperties: false },
);
/** A fee schedule: the collecting member and a rule per operation type (missing: free). */
const FeeScheduleSchema = Type.Object(
  {
    collector: MemberId,
    rules: Type.Object(
      {
        issue: Type.Optional(FeeRuleSchema),
        placement: Type.Optional(FeeRuleSchema),
        trade: Type.Optional(FeeRuleSchema),
        gift: Type.Optional(FeeRuleSchema),
        inheritance: Type.Optional(FeeRuleSchema),
        redemption: Type.Optional(FeeRuleSchema),
        'early-redemption': Type.Optional(FeeRuleSchema),
      } satisfies Record<FeeOperation, unknown>,
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);

export const GOVERNANCE_METHODS = {
  addMember: Type.Object(
    { id: MemberId, name: Type.String({ minLength: 1, maxLength: 200 }), roles: Roles, keys: Type.Array(Hex, { maxItems: 16, uniqueItems: true }) },
    { additionalProperties: false },
  ),
  setRoles: Type.Object({ id: MemberId, roles: Roles }, { additionalProperties: false }),
  suspendMember: Type.Object({ id: MemberId }, { additionalProperties: false }),
  reinstateMember: Type.Object({ id: MemberId }, { additionalProperties: false }),
  addKey: Type.Object({ member: MemberId, publicKey: Hex }, { additionalProperties: false }),
  revokeKey: Type.Object({ publicKey: Hex }, { additionalProperties: false }),
  setNode: Type.Object({ nodeId: NodeId, publicKey: Hex, owner: MemberId, sealKey: Type.Optional(SealKey) }, { additionalProperties: false }),
  removeNode: Type.Object({ nodeId: NodeId }, { additionalProperties: false }),
  setFees: FeeScheduleSchema,
} as const;

export { MemberId, Hex, Roles, NodeId, SealKey, FeeScheduleSchema };
