#!/usr/bin/env node
/**
 * `npm start`: the platform on embedded defaults (see platform/platform.ts). Flags:
 *   --data-dir DIR   where everything persists (default ./.konsortium, or $KONSORTIUM_DATA_DIR)
 *   --port N         the API port (default 8700, or $KONSORTIUM_PORT)
 *   --nodes N        genesis nodes of the local network (default 3)
 * Ctrl-C (SIGINT) or SIGTERM stops everything cleanly; a second signal exits at once.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { RedisServerMissingError } from './infra/redis-server.js';
import { startPlatform } from './platform/platform.js';

const { values } = parseArgs({
  options: { 'data-dir': { type: 'string' }, port: { type: 'string' }, nodes: { type: 'string' }, 'log-level': { type: 'string' } },
  strict: true,
});
const dataDir = path.resolve(values['data-dir'] ?? process.env.KONSORTIUM_DATA_DIR ?? '.konsortium');
const port = Number(values.port ?? process.env.KONSORTIUM_PORT ?? 8700);
const nodes = Number(values.nodes ?? 3);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  process.stderr.write(`--port must be 0..65535, got ${values.port}\n`);
  process.exit(2);
}
if (!Number.isInteger(nodes) || nodes < 1 || nodes > 7) {
  process.stderr.write(`--nodes must be 1..7, got ${values.nodes}\n`);
  process.exit(2);
}
const logger = pino({ level: values['log-level'] ?? process.env.LOG_LEVEL ?? 'info' });

try {
  const started = Date.now();
  const platform = await startPlatform({ dataDir, port, network: { name: 'consortium', nodes }, logger });
  const c = platform.credentials;
  const nodeUrls = (await platform.db.ledgerNode.findMany({ orderBy: { nodeId: 'asc' } })).map((n) => `    node ${n.nodeId} (${n.kind}, ${n.status}): ${n.httpUrl ?? '-'}`);
  process.stdout.write(
    [
      '',
      `Konsortium is running (started in ${((Date.now() - started) / 1000).toFixed(1)} s; data in ${dataDir})`,
      '',
      `  Control-plane API  ${platform.url}`,
      `  OpenAPI            ${platform.url}/openapi.json`,
      `  JWKS               ${platform.url}/.well-known/jwks.json`,
      `  Metrics / health   ${platform.url}/metrics  ${platform.url}/readyz`,
      '  Ledger nodes:',
      ...nodeUrls,
      '',
      `  Platform admin     ${c.admin.email} / ${c.admin.password}`,
      ...(c.demo ? [`  Demo tenant admin  ${c.demo.email} / ${c.demo.password}  (tenant ${c.demo.tenantId})`] : []),
      '',
      `  Log in:  curl -s ${platform.url}/v1/auth/login -H 'content-type: application/json' -d '{"email":"${c.admin.email}","password":"${c.admin.password}"}'`,
      '',
      'Press Ctrl-C to stop.',
      '',
    ].join('\n'),
  );
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) process.exit(130);
    stopping = true;
    logger.info({ signal }, 'stopping');
    platform.close().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'stop failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
} catch (err) {
  if (err instanceof RedisServerMissingError) process.stderr.write(`\n${err.message}\n`);
  else logger.fatal({ err }, 'the platform did not start');
  process.exit(1);
}
