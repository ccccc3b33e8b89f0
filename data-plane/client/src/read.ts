/**
 * Strict readers of the node API's responses: a field of the wrong type is a
 * KonsortiumResponseError at the boundary instead of an `undefined` somewhere deeper.
 */
import { isSuiteId, type StateProofJson, type TxProofJson } from '@konsortium/protocol';
import { KonsortiumResponseError } from './errors.js';
import { type BlockEvent, type BlockRecord, type ChainHead, type ChannelInfo, type NodeKey, type SubmitResult, TX_STATUS_NAMES, type TxStatus, type TxStatusName } from './types.js';

type Json = Record<string, unknown>;

function fail(what: string, why: string): never {
  throw new KonsortiumResponseError(`unexpected response for ${what}: ${why}`);
}

export function asObject(v: unknown, what: string): Json {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(what, 'not a JSON object');
  return v as Json;
}

function str(o: Json, k: string, what: string): string {
  const v = o[k];
  if (typeof v !== 'string') fail(what, `"${k}" is not a string`);
  return v;
}

function hexStr(o: Json, k: string, what: string): string {
  const v = str(o, k, what);
  if (v.length % 2 !== 0 || !/^[0-9a-f]*$/.test(v)) fail(what, `"${k}" is not lower-case hex`);
  return v;
}

function uint(o: Json, k: string, what: string): number {
  const v = o[k];
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) fail(what, `"${k}" is not a non-negative integer`);
  return v;
}

function optStr(o: Json, k: string, what: string): string | undefined {
  return o[k] === undefined || o[k] === null ? undefined : str(o, k, what);
}

function optUint(o: Json, k: string, what: string): number | undefined {
  return o[k] === undefined || o[k] === null ? undefined : uint(o, k, what);
}

function arr(o: Json, k: string, what: string): unknown[] {
  const v = o[k];
  if (!Array.isArray(v)) fail(what, `"${k}" is not an array`);
  return v;
}

function statusName(o: Json, what: string): TxStatusName {
  const s = str(o, 'status', what);
  if (!(TX_STATUS_NAMES as readonly string[]).includes(s)) fail(what, `unknown status "${s}"`);
  return s as TxStatusName;
}

export function readTxStatus(v: unknown, what = 'tx status'): TxStatus {
  const o = asObject(v, what);
  const out: { -readonly [K in keyof TxStatus]: TxStatus[K] } = { txId: hexStr(o, 'txId', what), status: statusName(o, what) };
  const code = optStr(o, 'code', what);
  const message = optStr(o, 'message', what);
  const height = optUint(o, 'height', what);
  const index = optUint(o, 'index', what);
  if (code !== undefined) out.code = code;
  if (message !== undefined) out.message = message;
  if (height !== undefined) out.height = height;
  if (index !== undefined) out.index = index;
  return out;
}

export function readSubmitResult(v: unknown, httpStatus: number): SubmitResult {
  const o = asObject(v, 'submit');
  return { txId: hexStr(o, 'txId', 'submit'), status: statusName(o, 'submit'), alreadyKnown: httpStatus === 200 };
}

export function readChannels(v: unknown): ChannelInfo[] {
  const what = 'channels';
  return arr(asObject(v, what), 'channels', what).map((c) => {
    const o = asObject(c, what);
    const suite = str(o, 'suite', what);
    if (!isSuiteId(suite)) fail(what, `unknown suite "${suite}"`);
    return { name: str(o, 'name', what), suite, height: uint(o, 'height', what) };
  });
}

export function readHead(v: unknown): ChainHead {
  const what = 'head';
  const o = asObject(v, what);
  return { height: uint(o, 'height', what), hash: hexStr(o, 'hash', what), stateRoot: hexStr(o, 'stateRoot', what), timestamp: uint(o, 'timestamp', what) };
}

export function readBlockRecord(v: unknown, what = 'block'): BlockRecord {
  const o = asObject(v, what);
  return { height: uint(o, 'height', what), hash: hexStr(o, 'hash', what), header: hexStr(o, 'header', what), block: hexStr(o, 'block', what) };
}

export function readBlocks(v: unknown): BlockRecord[] {
  return arr(asObject(v, 'blocks'), 'blocks', 'blocks').map((b) => readBlockRecord(b, 'blocks'));
}

export function readNodes(v: unknown): NodeKey[] {
  const what = 'nodes';
  return arr(asObject(v, what), 'nodes', what).map((n) => {
    const o = asObject(n, what);
    return { nodeId: uint(o, 'nodeId', what), publicKey: hexStr(o, 'publicKey', what) };
  });
}

export function readTxProof(v: unknown): TxProofJson {
  const what = 'tx proof';
  const o = asObject(v, what);
  const path = arr(o, 'path', what).map((p) => {
    if (typeof p !== 'string') fail(what, 'a path element is not a string');
    return p;
  });
  return { txId: hexStr(o, 'txId', what), code: str(o, 'code', what), height: uint(o, 'height', what), header: hexStr(o, 'header', what), index: uint(o, 'index', what), path };
}

export function readStateProof(v: unknown): StateProofJson {
  const what = 'state proof';
  const o = asObject(v, what);
  const siblings = arr(o, 'siblings', what).map((p) => {
    if (typeof p !== 'string') fail(what, 'a sibling is not a string');
    return p;
  });
  const t = asObject(o['terminal'], what);
  const kind = str(t, 'kind', what);
  let terminal: StateProofJson['terminal'];
  if (kind === 'empty') terminal = { kind: 'empty' };
  else if (kind === 'leaf') terminal = { kind: 'leaf', path: hexStr(t, 'path', what), valueHash: hexStr(t, 'valueHash', what) };
  else fail(what, `unknown terminal kind "${kind}"`);
  const value = o['value'] === null ? null : hexStr(o, 'value', what);
  return { key: str(o, 'key', what), value, height: uint(o, 'height', what), header: hexStr(o, 'header', what), siblings, terminal };
}

export function readBlockEvent(data: string): BlockEvent {
  const what = 'block event';
  let v: unknown;
  try {
    v = JSON.parse(data);
  } catch {
    fail(what, 'data is not JSON');
  }
  const o = asObject(v, what);
  const txs = arr(o, 'txs', what).map((x) => {
    const t = asObject(x, what);
    return { txId: hexStr(t, 'txId', what), code: str(t, 'code', what) };
  });
  return { height: uint(o, 'height', what), hash: hexStr(o, 'hash', what), txs };
}

export interface ReleasedShare {
  readonly nodeId: number;
  readonly index: number;
  readonly sealed: string;
  readonly logTx: string;
  readonly height: number;
}

export function readReleasedShare(v: unknown): ReleasedShare {
  const what = 'key release';
  const o = asObject(v, what);
  return { nodeId: uint(o, 'nodeId', what), index: uint(o, 'index', what), sealed: hexStr(o, 'sealed', what), logTx: hexStr(o, 'logTx', what), height: uint(o, 'height', what) };
}

export interface StoredBlob {
  readonly hash: string;
  readonly size: number;
  /** false: the node already had it. */
  readonly stored: boolean;
}

export function readStoredBlob(v: unknown): StoredBlob {
  const what = 'blob upload';
  const o = asObject(v, what);
  if (typeof o.stored !== 'boolean') fail(what, '"stored" is not a boolean');
  return { hash: hexStr(o, 'hash', what), size: uint(o, 'size', what), stored: o.stored };
}
