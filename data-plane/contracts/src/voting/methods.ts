/** The voting contract's methods and their argument schemas (checked before ordering: INVALID_ARGS). */
import { Type } from '@sinclair/typebox';
import { BALLOT_BOX_OVERHEAD, MAX_SHARES, SEALED_OVERHEAD } from '@konsortium/protocol';
import { AssetCode } from '../cfa/methods.js';
import { MemberId, NodeId } from '../governance/methods.js';
import { VOTING_LIMITS as L } from './model.js';

export const BallotId = Type.String({ pattern: '^[a-z0-9][a-z0-9._-]{0,63}$' });
const Strict = { additionalProperties: false } as const;
const Text = (max: number) => Type.String({ minLength: 1, maxLength: max });
/** A ristretto255 element (32 bytes hex). */
const Point = Type.String({ pattern: '^[0-9a-f]{64}$' });
/** A sealed 32-byte share: exactly SEALED_OVERHEAD + 32 bytes. */
const SealedShareHex = Type.String({ pattern: `^[0-9a-f]{${2 * (SEALED_OVERHEAD + 32)}}$` });
const Time = Type.Integer({ minimum: 0, maximum: 8_640_000_000_000_000 });
const Height = Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER });
const Count = Type.Integer({ minimum: 1, maximum: MAX_SHARES });

export const VOTING_METHODS = {
  createBallot: Type.Object(
    {
      id: BallotId,
      title: Text(200),
      questions: Type.Array(
        Type.Object({ text: Text(1000), options: Type.Array(Text(200), { minItems: L.minOptions, maxItems: L.maxOptions }) }, Strict),
        { minItems: 1, maxItems: L.maxQuestions },
      ),
      window: Type.Union([Type.Object({ opensAt: Time, closesAt: Time }, Strict), Type.Object({ openHeight: Height, closeHeight: Height }, Strict)]),
      eligibility: Type.Union([
        Type.Object({ members: Type.Array(MemberId, { minItems: 1, maxItems: L.maxVoters, uniqueItems: true }) }, Strict),
        Type.Object({ cfaAsset: AssetCode }, Strict),
      ]),
      weights: Type.Union([Type.Literal('equal'), Type.Literal('holding')]),
      quorum: Type.Object(
        { minVoters: Type.Optional(Type.Integer({ minimum: 0, maximum: L.maxVoters })), minWeightBps: Type.Optional(Type.Integer({ minimum: 0, maximum: 10_000 })) },
        Strict,
      ),
      revote: Type.Boolean(),
      key: Type.Object(
        {
          publicKey: Point,
          threshold: Count,
          commitments: Type.Array(Point, { minItems: 1, maxItems: MAX_SHARES }),
          shares: Type.Array(Type.Object({ nodeId: NodeId, index: Count, sealed: SealedShareHex }, Strict), { minItems: 1, maxItems: MAX_SHARES }),
        },
        Strict,
      ),
    },
    Strict,
  ),
  vote: Type.Object(
    {
      ballot: BallotId,
      pseudonym: Type.String({ pattern: '^[0-9a-f]{64}$' }),
      box: Type.String({ pattern: `^([0-9a-f]{2}){${BALLOT_BOX_OVERHEAD},${L.maxBoxBytes}}$` }),
    },
    Strict,
  ),
  close: Type.Object({ ballot: BallotId }, Strict),
  revealShare: Type.Object({ ballot: BallotId, share: Type.String({ pattern: '^[0-9a-f]{64}$' }) }, Strict),
  tally: Type.Object({ ballot: BallotId }, Strict),
} as const;

export type VotingMethod = keyof typeof VOTING_METHODS;
