export { CryptoError, type CryptoErrorCode, type CryptoSuite, type KeyPair, type SuiteId } from './crypto/suite.js';
export { isSuiteId, SUITE_IDS, suiteById } from './crypto/suites.js';
export { intlSuite } from './crypto/intl.js';
export { smSuite, sm3, sm2Sign, sm2Verify, sm2Za, SM2_DEFAULT_ID } from './crypto/sm.js';
export { gostSuite, streebog256 } from './crypto/gost.js';
export { ProtocolError, type ProtocolErrorCode } from './codec/errors.js';
export { ByteReader, ByteWriter, fromUtf8, utf8 } from './codec/bytes.js';
export { bytesEqual, concatBytes, fromHex, toHex } from './codec/hex.js';
export { registryBucket } from './codec/registry-bucket.js';
export {
  checkChannelName,
  decodeTx,
  encodeOperation,
  encodeTxBody,
  type EncodedOperation,
  isChannelName,
  MAX_OPERATIONS,
  MAX_TX_BYTES,
  type Operation,
  parseArgs,
  signTx,
  type Transaction,
  type TxBody,
  txIdOfBody,
  verifyTxSignature,
} from './tx/envelope.js';
export { type Batch, BATCH_TAG, decodeBatch, encodeBatch, isBatch } from './ledger/batch.js';
export {
  type Block,
  blockHashOf,
  type BlockHeader,
  decodeBlock,
  decodeBlockHeader,
  encodeBlock,
  encodeBlockHeader,
  HASH_BYTES,
  isResultCode,
  makeBlock,
  type NodeSignature,
  RESULT_OK,
  txLeafData,
  txLeafHash,
  txRootOf,
  ZERO_HASH,
} from './ledger/block.js';
export { type ChainProblem, type ChainProblemCode, checkBlockContents, checkLink, checkSignatures, type ContentCheckOptions } from './ledger/verify.js';
export { type HashFn, merkleInclusionPath, merkleLeafHash, merkleNodeHash, merkleRoot, verifyMerkleInclusion } from './proof/merkle.js';
export {
  pathBit,
  SMT_DEPTH,
  SMT_EMPTY,
  type SmtLeaf,
  smtLeafHash,
  smtNodeHash,
  smtPath,
  type SmtProof,
  smtReferenceRoot,
  type SmtTerminal,
  verifySmtProof,
} from './proof/smt.js';
export { stateProofFromJson, type StateProofJson, type TxProofJson, verifyStateProof, verifyTxProof, type VerifiedTx } from './proof/wire.js';
export * from './privacy/index.js';
export * from './state/index.js';
