export { CryptoError, type CryptoErrorCode, type CryptoSuite, type KeyPair, type SuiteId } from './crypto/suite.js';
export { isSuiteId, SUITE_IDS, suiteById } from './crypto/suites.js';
export { intlSuite } from './crypto/intl.js';
export { smSuite, sm3, sm2Sign, sm2Verify, sm2Za, SM2_DEFAULT_ID } from './crypto/sm.js';
export { gostSuite, streebog256 } from './crypto/gost.js';
