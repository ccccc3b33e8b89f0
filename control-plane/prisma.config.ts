// Prisma CLI configuration. The Rust engine binaries cannot be downloaded on this machine, so
// the CLI reaches PostgreSQL through the pg driver adapter and the WebAssembly schema engine.
// See README.md, "Database schema".
import { PrismaPg } from '@prisma/adapter-pg';
import { defineConfig } from 'prisma/config';

export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  experimental: { adapter: true },
  engine: 'js',
  // A short idle timeout: the CLI exits when its pool is empty, not 10 s (pg's default) later.
  adapter: async () => new PrismaPg({ connectionString: process.env.DATABASE_URL, idleTimeoutMillis: 100 }),
});
