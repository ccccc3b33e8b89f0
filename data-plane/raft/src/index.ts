export * from './types.js';
export * from './errors.js';
export * from './codec.js';
export * from './storage.js';
