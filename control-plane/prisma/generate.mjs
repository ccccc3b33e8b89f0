// `npm run prisma:generate`: writes the Prisma client to src/db/generated/ (not committed).
// Skips the work when the schema and the Prisma version are those of the last run, so it can
// run before every build. Prisma's engine download is avoided: with engineType "client" the
// query-engine library is never loaded, but `prisma generate` still looks for one, so
// PRISMA_QUERY_ENGINE_LIBRARY points at an existing file.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';

const pkgDir = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const require = createRequire(path.join(pkgDir, 'package.json'));
const prismaCli = require.resolve('prisma/build/index.js');
const prismaVersion = JSON.parse(readFileSync(require.resolve('prisma/package.json'), 'utf8')).version;
const outDir = path.join(pkgDir, 'src', 'db', 'generated');
const stamp = path.join(outDir, '.schema-hash');

const hash = createHash('sha256')
  .update(prismaVersion)
  .update('\0')
  .update(readFileSync(path.join(pkgDir, 'prisma', 'schema.prisma')))
  .update('\0')
  .update(readFileSync(fileURLToPath(import.meta.url)))
  .digest('hex');

if (!process.argv.includes('--force') && existsSync(path.join(outDir, 'client.ts')) && existsSync(stamp) && readFileSync(stamp, 'utf8') === hash) {
  process.exit(0);
}

const r = spawnSync(process.execPath, [prismaCli, 'generate'], {
  cwd: pkgDir,
  stdio: 'inherit',
  env: {
    ...process.env,
    PRISMA_QUERY_ENGINE_LIBRARY: path.join(pkgDir, 'package.json'),
    PRISMA_HIDE_UPDATE_MESSAGE: '1',
    CHECKPOINT_DISABLE: '1',
  },
});
if (r.status !== 0) {
  process.stderr.write(`prisma generate failed (${r.error?.message ?? `exit ${r.status ?? r.signal}`})\n`);
  process.exit(1);
}
writeFileSync(stamp, hash);
