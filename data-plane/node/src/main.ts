/**
 * The node binary. Parses flags (exit 2 on bad ones), opens the data dir, starts Raft and the
 * HTTP API, logs `"msg":"listening"` with both addresses once both accept connections, and
 * shuts down gracefully on SIGTERM/SIGINT: stop accepting, let the running Ready (and its
 * fsync) finish, fail what is still pending with a retryable error, close the WAL.
 */
import { pino, type Logger } from 'pino';
import { parseHostPort } from './addresses.js';
import { parseCli, USAGE, UsageError, type CliConfig } from './cli/args.js';
import { build } from './http/app.js';
import { BootError } from './runtime/boot.js';
import { KonsortiumNode } from './runtime/node.js';
import { type AuthVerifier, createAuthVerifier } from './http/auth.js';
import { type LedgerNode, readGenesisFile, startLedgerNode } from './ledger/ledger-node.js';
import { NodeKeyError, readNodeKeys } from './ledger/node-keys.js';

const EXIT_USAGE = 2;
const EXIT_FAILURE = 1;

function usageExit(message: string): never {
  process.stderr.write(`konsortium-node: ${message}\nrun with --help for usage\n`);
  process.exit(EXIT_USAGE);
}

/** Graceful shutdown on SIGTERM/SIGINT: stop accepting, then close what is running. */
function onSignals(logger: Logger, httpClose: () => Promise<void>, close: () => Promise<void>): void {
  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(EXIT_FAILURE);
    }
    stopping = true;
    logger.info({ signal }, 'shutting down');
    // Stop accepting first; pending requests are failed by close() so they do not hold the
    // HTTP close for a request timeout.
    const httpClosed = httpClose();
    close()
      .then(() => httpClosed)
      .then(
        () => process.exit(0),
        (err: unknown) => {
          logger.error({ err }, 'shutdown failed');
          process.exit(EXIT_FAILURE);
        },
      );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

async function runLedgerNode(cfg: CliConfig, logger: Logger): Promise<void> {
  let ledgerNode: LedgerNode;
  let auth: AuthVerifier | null = null;
  try {
    const nodeKeys = await readNodeKeys(cfg.nodeKeyFile!);
    const geneses = await Promise.all(cfg.channels.map(readGenesisFile));
    if (cfg.auth !== null) auth = await createAuthVerifier(cfg.auth);
    else logger.warn('no --auth-jwks: the node API is open to anyone who can reach it');
    ledgerNode = await startLedgerNode({
      nodeId: cfg.id,
      networkId: cfg.clusterId,
      dataDir: cfg.dataDir,
      raftAddr: cfg.raftAddr,
      httpAddr: cfg.httpAddr,
      peers: cfg.peers,
      join: cfg.join,
      geneses,
      nodeKeys,
      logger,
      fsync: cfg.fsync,
      raft: {
        tickMs: cfg.tickMs,
        electionTicks: cfg.electionTicks,
        heartbeatTicks: cfg.heartbeatTicks,
        snapshotEntries: cfg.snapshotEntries,
        snapshotKeepEntries: cfg.snapshotKeepEntries,
      },
    });
  } catch (err) {
    if (err instanceof BootError || err instanceof NodeKeyError) {
      logger.error({ err: err.message }, 'cannot start');
      usageExit(err.message);
    }
    throw err;
  }
  for (const c of ledgerNode.channels.list()) {
    c.node.onFatal = (err) => {
      logger.fatal({ err, channel: c.name }, 'channel failed; exiting so that a restart replays the WAL');
      process.exit(EXIT_FAILURE);
    };
  }
  const metrics = ledgerNode.channels.list()[0]!.node.metrics;
  const app = await build({ channels: ledgerNode.channels, auth, metrics, logger });
  const http = parseHostPort(cfg.httpAddr)!;
  await app.listen({ host: http.host, port: http.port });
  logger.info({ id: cfg.id, raftAddr: cfg.raftAddr, httpAddr: cfg.httpAddr, channels: ledgerNode.channels.list().map((c) => c.name) }, 'listening');
  onSignals(logger, () => app.close(), () => ledgerNode.close());
}

async function runKvNode(cfg: CliConfig, logger: Logger): Promise<void> {
  let node: KonsortiumNode;
  try {
    node = await KonsortiumNode.open({
      id: cfg.id,
      clusterId: cfg.clusterId,
      dataDir: cfg.dataDir,
      raftAddr: cfg.raftAddr,
      httpAddr: cfg.httpAddr,
      peers: cfg.peers,
      join: cfg.join,
      logger,
      tickMs: cfg.tickMs,
      electionTicks: cfg.electionTicks,
      heartbeatTicks: cfg.heartbeatTicks,
      snapshotEntries: cfg.snapshotEntries,
      snapshotKeepEntries: cfg.snapshotKeepEntries,
      fsync: cfg.fsync,
      transportLimits: cfg.maxFrameBytes === undefined ? undefined : { maxFrameBytes: cfg.maxFrameBytes },
    });
  } catch (err) {
    if (err instanceof BootError) {
      logger.error({ err: err.message }, 'cannot start');
      usageExit(err.message);
    }
    throw err;
  }
  node.onFatal = (err) => {
    logger.fatal({ err }, 'node failed; exiting so that a restart replays the WAL');
    process.exit(EXIT_FAILURE);
  };
  await node.start();
  const app = await build({ node, metrics: node.metrics, logger, auth: null });
  const http = parseHostPort(cfg.httpAddr)!;
  await app.listen({ host: http.host, port: http.port });
  logger.info({ id: cfg.id, raftAddr: cfg.raftAddr, httpAddr: cfg.httpAddr }, 'listening');
  onSignals(logger, () => app.close(), () => node.close());
}

async function run(cfg: CliConfig, logger: Logger): Promise<void> {
  if (!cfg.fsync) logger.warn('--no-fsync: acknowledged writes can be lost on a crash; for tests only');
  if (cfg.channels.length > 0) return runLedgerNode(cfg, logger);
  return runKvNode(cfg, logger);
}

function main(): void {
  let cfg: CliConfig | null;
  try {
    cfg = parseCli(process.argv.slice(2));
  } catch (err) {
    if (err instanceof UsageError) usageExit(err.message);
    throw err;
  }
  if (cfg === null) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const logger = pino({ level: cfg.logLevel, base: { node: cfg.id } });
  run(cfg, logger).catch((err: unknown) => {
    logger.fatal({ err }, 'node failed to start');
    process.exit(EXIT_FAILURE);
  });
}

main();
