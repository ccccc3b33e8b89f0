/**
 * Minimal typings for the parts of `@wavesenterprise/crypto-gost-js` (MIT, UMD/CommonJS bundle,
 * no bundled types) that `gost-hash.ts` uses. The UMD bundle sets `module.exports`, so both Node
 * ESM and browser bundlers expose it as the default import.
 */
declare module '@wavesenterprise/crypto-gost-js' {
  export interface GostDigestAlgorithm {
    readonly name: 'GOST R 34.11';
    readonly length: 256 | 512;
    readonly version: 2012;
  }
  export interface GostDigestEngine {
    /** Accepts an ArrayBuffer or typed array; returns a fresh ArrayBuffer. */
    digest(data: ArrayBuffer | Uint8Array): ArrayBuffer;
  }
  /** The library's own 34.10 engine; only the interoperability test uses it (it is slow). */
  export interface GostSignEngine {
    sign(privateKey: Uint8Array, data: Uint8Array): ArrayBuffer;
    verify(publicKey: Uint8Array, signature: Uint8Array, data: Uint8Array): boolean;
  }
  export interface GostEngineApi {
    getGostDigest(algorithm: GostDigestAlgorithm): GostDigestEngine;
    getGostSign(algorithm: Readonly<Record<string, unknown>>): GostSignEngine;
  }
  const gostLib: { readonly GostEngine: GostEngineApi };
  export default gostLib;
}
