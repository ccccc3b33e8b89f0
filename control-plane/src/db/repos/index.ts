/**
 * The auth core's repositories over PostgreSQL (Prisma): drop-in replacements for
 * src/auth/memory-repos.ts with the same contracts (see README.md, "Prisma repositories").
 */
export { PrismaApiKeyRepo } from './api-keys.js';
export { PrismaRefreshTokenRepo } from './refresh-tokens.js';
