/** The built-in contracts' state layouts: the keys a contract writes and its readers read. */
export * from './cfa.js';
export * from './data.js';
export * from './voting.js';
