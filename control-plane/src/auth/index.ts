/**
 * The auth core: password hashing, signing keys and access tokens, rotating refresh tokens,
 * API keys. A library without HTTP or database; persistence is behind the repository
 * interfaces, with in-memory implementations for tests.
 */
export * from './errors.js';
export * from './clock.js';
export * from './password.js';
export * from './keys.js';
export * from './token-service.js';
export * from './refresh-tokens.js';
export * from './api-keys.js';
export * from './memory-repos.js';
