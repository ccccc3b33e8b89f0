/**
 * Writing records and their versions. Every version arrives encrypted under a fresh data key:
 * its secret scalar s is sealed for the owner and split t-of-n into shares sealed to the
 * channel's nodes. What can be checked without the secrets is checked here, all of it before the
 * first write: one share per node with a seal key, a sound threshold, well-formed commitments,
 * a key never used before, a ciphertext of the stated size.
 */
import type { Static } from '@sinclair/typebox';
import type { ContractContext, StateReader } from '@konsortium/ledger';
import { AEAD_OVERHEAD, decodePoint, fromHex, type GroupElement } from '@konsortium/protocol';
import { checkDealing } from '../dealing.js';
import { NODE_ROLE } from '../governance/model.js';
import { fail } from './errors.js';
import { dataKeys } from './keys.js';
import type { DATA_METHODS, VersionArgs } from './methods.js';
import type { DataRecord, DataVersion, VersionBody } from './model.js';

type Args<N extends keyof typeof DATA_METHODS> = Static<(typeof DATA_METHODS)[N]>;

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** Bytes of canonical padded base64 (shape checked by the schema); INVALID_ARGS if the unused bits are set. */
export function base64Length(b64: string): number {
  const pad = b64.endsWith('==') ? 2 : b64.endsWith('=') ? 1 : 0;
  if (pad > 0 && (B64.indexOf(b64[b64.length - pad - 1]!) & (pad === 2 ? 0x0f : 0x03)) !== 0) {
    fail('INVALID_ARGS', 'body.inline is not canonical base64');
  }
  return (b64.length / 4) * 3 - pad;
}

function checkCommitments(commitments: readonly string[], threshold: number): void {
  if (commitments.length !== threshold) fail('INVALID_COMMITMENT', `${commitments.length} commitments for threshold ${threshold}: one per coefficient`);
  commitments.forEach((hex, i) => {
    let point: GroupElement;
    try {
      point = decodePoint(fromHex(hex));
    } catch {
      fail('INVALID_COMMITMENT', `commitment ${i} is not a canonical ristretto255 encoding`);
    }
    if (i === 0 && point.is0()) fail('INVALID_COMMITMENT', 'commitment 0 is the identity: the secret would be zero');
  });
}

function checkBody(body: VersionBody, size: number): VersionBody {
  if ('inline' in body) {
    const bytes = base64Length(body.inline);
    if (bytes !== size + AEAD_OVERHEAD) {
      fail('INVALID_ARGS', `body.inline is ${bytes} bytes; a ${size}-byte plaintext encrypts to ${size + AEAD_OVERHEAD} (nonce ‖ ciphertext ‖ tag)`);
    }
    return { inline: body.inline };
  }
  return { blob: { hash: body.blob.hash, size: body.blob.size } };
}

/** Checks version `version` of `recordId` against the state; the value to store (nothing written). */
export function checkVersion(ctx: ContractContext, recordId: string, version: number, a: Static<typeof VersionArgs>): DataVersion {
  const shares = checkDealing(ctx, a.threshold, a.shares);
  checkCommitments(a.commitments, a.threshold);
  const body = checkBody(a.body, a.size);
  const used = ctx.getJson<string>(dataKeys.keyUse(a.commitments[0]!));
  if (used !== undefined) fail('KEY_REUSED', `this data key was already used (record "${used}"): every version needs a fresh key`);
  return {
    version,
    author: ctx.sender.memberId,
    createdAt: ctx.timestamp,
    height: ctx.height,
    txId: ctx.txId,
    plaintextHash: a.plaintextHash,
    size: a.size,
    body,
    ownerKey: a.ownerKey,
    threshold: a.threshold,
    commitments: [...a.commitments],
    shares,
    meta: a.meta === undefined ? null : { ...a.meta },
  };
}

function writeVersion(ctx: ContractContext, record: DataRecord, v: DataVersion): void {
  ctx.putJson(dataKeys.version(record.id, v.version), v);
  ctx.putJson(dataKeys.keyUse(v.commitments[0]!), record.id);
  ctx.putJson(dataKeys.record(record.id), record);
}

export function getRecord(state: StateReader, id: string): DataRecord {
  const r = state.getJson<DataRecord>(dataKeys.record(id));
  if (r === undefined) fail('RECORD_NOT_FOUND', `no record "${id}"`);
  return r;
}

export function putRecord(ctx: ContractContext, a: Args<'putRecord'>): void {
  if (ctx.sender.roles.includes(NODE_ROLE)) fail('FORBIDDEN', `${ctx.sender.memberId} is a node; nodes do not own records`);
  if (ctx.get(dataKeys.record(a.record)) !== undefined) fail('RECORD_EXISTS', `record "${a.record}" exists`);
  const v = checkVersion(ctx, a.record, 1, a.version);
  const record: DataRecord = {
    id: a.record,
    owner: ctx.sender.memberId,
    collection: a.collection ?? null,
    versions: 1,
    createdAt: ctx.timestamp,
    createdHeight: ctx.height,
  };
  writeVersion(ctx, record, v);
}

export function addVersion(ctx: ContractContext, a: Args<'addVersion'>): void {
  const record = getRecord(ctx, a.record);
  if (ctx.sender.memberId !== record.owner) fail('FORBIDDEN', `only the owner of record "${a.record}" (${record.owner}) adds versions`);
  const v = checkVersion(ctx, a.record, record.versions + 1, a.version);
  writeVersion(ctx, { ...record, versions: v.version }, v);
}
