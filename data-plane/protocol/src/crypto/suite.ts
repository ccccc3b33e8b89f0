export type SuiteId = 'intl' | 'gost' | 'sm';

export interface KeyPair {
  readonly privateKey: Uint8Array;
  readonly publicKey: Uint8Array;
}

/** A network's cryptography: one hash and one signature scheme, never mixed within a channel. */
export interface CryptoSuite {
  readonly id: SuiteId;
  readonly hashBytes: number; // 32 for all three
  hash(data: Uint8Array): Uint8Array;
  generateKeyPair(random?: (n: number) => Uint8Array): KeyPair; // default: crypto.getRandomValues
  publicKeyOf(privateKey: Uint8Array): Uint8Array;
  sign(privateKey: Uint8Array, message: Uint8Array): Uint8Array;
  verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean; // never throws on malformed input: returns false
  readonly publicKeyBytes: number;
  readonly signatureBytes: number;
}

export type CryptoErrorCode = 'INVALID_KEY' | 'INVALID_SIGNATURE' | 'UNKNOWN_SUITE';

export class CryptoError extends Error {
  readonly code: CryptoErrorCode;

  constructor(code: CryptoErrorCode, message: string) {
    super(message);
    this.name = 'CryptoError';
    this.code = code;
  }
}
