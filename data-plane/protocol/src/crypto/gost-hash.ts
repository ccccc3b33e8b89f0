// The package ships no types; this pulls our ambient declaration into every program (the package
// build and tsconfig.test.json) that reaches this file through an import. tsc elides it from dist.
// eslint-disable-next-line @typescript-eslint/triple-slash-reference
/// <reference path="./crypto-gost-js.d.ts" />
/**
 * Streebog-256 (GOST R 34.11-2012, RFC 6986) from `@wavesenterprise/crypto-gost-js`. We never
 * implement the hash primitive ourselves.
 *
 * Byte order: the function maps a byte string to a byte string, like every other hash in the
 * suites. RFC 6986 §10 prints messages and digests as big integers in hex, i.e. with the LAST
 * byte first. So the RFC's hex must be byte-reversed to get our input/output bytes:
 *   - M1 printed "3231...3130" is the ASCII string "0123...012" (byte 0 = 0x30);
 *   - H256(M1) printed "00557be5...1e159d" is our output 9d 15 1e ... e5 7b 55 00.
 * Our output is the same byte string as OpenSSL's gost engine, the Linux kernel's streebog and
 * RustCrypto's `streebog` crate produce.
 */
import gostLib from '@wavesenterprise/crypto-gost-js';

const engine = gostLib.GostEngine.getGostDigest({ name: 'GOST R 34.11', length: 256, version: 2012 });

export const STREEBOG256_BYTES = 32;

/** Streebog-256 of `data` (32 bytes, in the library's/RFC-reversed byte order described above). */
export function streebog256(data: Uint8Array): Uint8Array {
  // The engine reads views at an offset correctly, but copy defensively: it takes `.buffer`.
  const input = data.byteOffset === 0 && data.byteLength === data.buffer.byteLength ? data : data.slice();
  const out = new Uint8Array(engine.digest(input));
  if (out.length !== STREEBOG256_BYTES) throw new Error('streebog256: unexpected digest length');
  return out;
}
