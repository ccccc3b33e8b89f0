/**
 * The transaction envelope: what a client signs and every node orders, executes and stores.
 *
 *   body      u8 version (1) | u8 suite | str8 channel | bytes8 sender public key | u64 nonce
 *             | u8 operation count (1..MAX_OPERATIONS), each: str8 contract | str8 method
 *             | bytes32 args (UTF-8 JSON, checked by the contract)
 *   envelope  body | bytes8 signature
 *
 * id = H("konsortium:tx:v1" ‖ body) under the channel's suite, and the signature is over the id.
 * The id leaves the signature out on purpose: a second signature over the same body (a
 * randomized scheme signs differently each time) is the same transaction, so submitting it again
 * is idempotent instead of a double spend. Decoding is strict: exactly one byte sequence per
 * transaction (see codec/bytes.ts), sizes checked, names restricted to a small alphabet.
 *
 * The operations of one transaction are all-or-nothing: if one fails, none applies.
 */
import { type CryptoSuite, type SuiteId } from '../crypto/suite.js';
import { suiteById, suiteCode, suiteOfCode } from '../crypto/suites.js';
import { ByteReader, ByteWriter, fromUtf8, utf8 } from '../codec/bytes.js';
import { malformed, ProtocolError } from '../codec/errors.js';
import { concatBytes } from '../codec/hex.js';

export const TX_VERSION = 1;
export const MAX_OPERATIONS = 64;
/** Default cap on an encoded transaction; a channel may set a lower one. */
export const MAX_TX_BYTES = 256 * 1024;

const TX_DOMAIN = utf8('konsortium:tx:v1');

/** Channel names: lower-case letters, digits and dashes, starting with a letter or digit. */
const CHANNEL_RE = /^[a-z0-9][a-z0-9-]{0,62}$/;
/** Contract and method names: identifiers. */
const NAME_RE = /^[A-Za-z][A-Za-z0-9_.]{0,62}$/;

export interface Operation {
  readonly contract: string;
  readonly method: string;
  /** The arguments, as JSON; parsed and validated by the contract before ordering. */
  readonly args: unknown;
}

/** A decoded operation keeps its exact argument bytes (what was signed). */
export interface EncodedOperation {
  readonly contract: string;
  readonly method: string;
  readonly argsJson: string;
}

export interface TxBody {
  readonly suite: SuiteId;
  readonly channel: string;
  readonly sender: Uint8Array; // the signer's public key
  readonly nonce: number; // chosen by the sender; (sender, nonce) is used at most once per channel
  readonly operations: readonly EncodedOperation[];
}

export interface Transaction extends TxBody {
  readonly signature: Uint8Array;
  /** H(domain ‖ body) */
  readonly id: Uint8Array;
  /** The whole envelope as received (body ‖ signature). */
  readonly bytes: Uint8Array;
  /** Length of the body prefix of `bytes`. */
  readonly bodyLength: number;
}

export function isChannelName(s: string): boolean {
  return CHANNEL_RE.test(s);
}

export function checkChannelName(s: string): void {
  if (!isChannelName(s)) throw new ProtocolError('INVALID_FIELD', `channel name "${s}" must match ${CHANNEL_RE.source}`);
}

export function encodeOperation(op: Operation): EncodedOperation {
  let argsJson: string | undefined;
  try {
    argsJson = JSON.stringify(op.args ?? {}) as string | undefined;
  } catch (err) {
    throw new ProtocolError('INVALID_FIELD', `${op.contract}.${op.method}: arguments are not JSON: ${(err as Error).message}`);
  }
  if (argsJson === undefined) throw new ProtocolError('INVALID_FIELD', `${op.contract}.${op.method}: arguments are not JSON`);
  return { contract: op.contract, method: op.method, argsJson };
}

export function encodeTxBody(body: TxBody): Uint8Array {
  const suite = suiteById(body.suite);
  checkChannelName(body.channel);
  if (body.sender.length !== suite.publicKeyBytes) {
    throw new ProtocolError('INVALID_FIELD', `sender key must be ${suite.publicKeyBytes} bytes for suite ${suite.id}`);
  }
  const ops = body.operations;
  if (ops.length < 1 || ops.length > MAX_OPERATIONS) throw new ProtocolError('INVALID_FIELD', `a transaction carries 1..${MAX_OPERATIONS} operations, got ${ops.length}`);
  const w = new ByteWriter(128);
  w.u8(TX_VERSION).u8(suiteCode(suite.id)).str8(body.channel).bytes8(body.sender).u64(body.nonce).u8(ops.length);
  for (const op of ops) {
    checkName(op.contract, 'contract');
    checkName(op.method, 'method');
    w.str8(op.contract).str8(op.method).bytes32(utf8(op.argsJson));
  }
  return w.finish();
}

export function txIdOfBody(suite: CryptoSuite, body: Uint8Array): Uint8Array {
  return suite.hash(concatBytes(TX_DOMAIN, body));
}

/** Builds and signs a transaction. */
export function signTx(body: TxBody, privateKey: Uint8Array, suite: CryptoSuite = suiteById(body.suite)): Transaction {
  if (suite.id !== body.suite) throw new ProtocolError('INVALID_FIELD', `suite ${suite.id} cannot sign a ${body.suite} transaction`);
  const bodyBytes = encodeTxBody(body);
  const id = txIdOfBody(suite, bodyBytes);
  const signature = suite.sign(privateKey, id);
  const bytes = new ByteWriter(bodyBytes.length + signature.length + 1).raw(bodyBytes).bytes8(signature).finish();
  if (bytes.length > MAX_TX_BYTES) throw new ProtocolError('TOO_LARGE', `transaction of ${bytes.length} bytes exceeds ${MAX_TX_BYTES}`);
  return { ...body, operations: body.operations.map((o) => ({ ...o })), signature, id, bytes, bodyLength: bodyBytes.length };
}

export interface DecodeTxOptions {
  /** Limit on the envelope size; defaults to MAX_TX_BYTES. */
  readonly maxBytes?: number;
  /** The suite implementation to hash with (a faster server-side one); must match the tx's suite. */
  readonly suite?: CryptoSuite;
}

/**
 * Strictly decodes an envelope and computes its id. Does NOT verify the signature (see
 * verifyTxSignature): decoding is cheap and done first, so garbage is refused early.
 */
export function decodeTx(bytes: Uint8Array, options: DecodeTxOptions = {}): Transaction {
  const maxBytes = options.maxBytes ?? MAX_TX_BYTES;
  if (bytes.length > maxBytes) throw new ProtocolError('TOO_LARGE', `transaction of ${bytes.length} bytes exceeds ${maxBytes}`);
  const r = new ByteReader(bytes);
  const version = r.u8('version');
  if (version !== TX_VERSION) throw malformed(`unknown transaction version ${version}`);
  const suiteId = suiteOfCode(r.u8('suite'));
  if (suiteId === undefined) throw malformed('unknown suite code');
  const suite = options.suite ?? suiteById(suiteId);
  if (suite.id !== suiteId) throw new ProtocolError('INVALID_FIELD', `a ${suiteId} transaction cannot be read with suite ${suite.id}`);
  const channel = r.str8('channel');
  if (!isChannelName(channel)) throw malformed(`invalid channel name "${channel}"`);
  const sender = Uint8Array.from(r.bytes8('sender'));
  if (sender.length !== suite.publicKeyBytes) throw malformed(`sender key must be ${suite.publicKeyBytes} bytes for suite ${suiteId}`);
  const nonce = r.u64('nonce');
  const count = r.u8('operation count');
  if (count < 1 || count > MAX_OPERATIONS) throw malformed(`a transaction carries 1..${MAX_OPERATIONS} operations, got ${count}`);
  const operations: EncodedOperation[] = [];
  for (let i = 0; i < count; i++) {
    const contract = r.str8('contract');
    const method = r.str8('method');
    if (!NAME_RE.test(contract) || !NAME_RE.test(method)) throw malformed(`operation ${i}: invalid contract or method name`);
    operations.push({ contract, method, argsJson: fromUtf8(r.bytes32('args')) });
  }
  const bodyLength = r.offset;
  const signature = Uint8Array.from(r.bytes8('signature'));
  r.end('transaction');
  if (signature.length !== suite.signatureBytes) throw malformed(`signature must be ${suite.signatureBytes} bytes for suite ${suiteId}`);
  const id = txIdOfBody(suite, bytes.subarray(0, bodyLength));
  return { suite: suiteId, channel, sender, nonce, operations, signature, id, bytes, bodyLength };
}

/** The signature check, separate from decoding because it is the expensive part. */
export function verifyTxSignature(tx: Transaction, suite: CryptoSuite = suiteById(tx.suite)): boolean {
  return suite.verify(tx.sender, tx.id, tx.signature);
}

/** Parses the JSON arguments of an operation (after decodeTx): MALFORMED when not JSON. */
export function parseArgs(op: EncodedOperation): unknown {
  try {
    return JSON.parse(op.argsJson) as unknown;
  } catch {
    throw malformed(`${op.contract}.${op.method}: arguments are not JSON`);
  }
}

function checkName(s: string, what: string): void {
  if (!NAME_RE.test(s)) throw new ProtocolError('INVALID_FIELD', `${what} name "${s}" must match ${NAME_RE.source}`);
}
