export { PrivacyError, type PrivacyErrorCode } from './errors.js';
export { AEAD_KEY_BYTES, AEAD_OVERHEAD, aeadOpen, aeadSeal, defaultRandom, type RandomSource } from './aead.js';
export { nobleX25519, openSealed, type SealOptions, SEALED_OVERHEAD, sealTo, type X25519Backend, X25519_KEY_BYTES, type X25519KeyPair, x25519KeyPair, x25519PublicKey } from './sealed-box.js';
export {
  checkThreshold,
  combineShares,
  type Dealing,
  decodePoint,
  type GroupElement,
  MAX_SHARES,
  POINT_BYTES,
  publicPointOf,
  randomScalar,
  SCALAR_BYTES,
  SCALAR_ORDER,
  scalarFromBytes,
  scalarToBytes,
  type Share,
  splitSecret,
  verifyShare,
} from './threshold.js';
export { BALLOT_BOX_OVERHEAD, contentHash, dataKeyOf, openBallotBox, plaintextHash, sealToBallot, votePseudonym } from './keys.js';
export { type KeyReleaseFields, keyReleaseMessage } from './release.js';
export { ballotShareContext, ownerKeyContext, recordAad, releaseContext, shareContext, voteAad } from './contexts.js';
