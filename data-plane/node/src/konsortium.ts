#!/usr/bin/env node
/**
 * `konsortium`: tools around a ledger node.
 *   konsortium verify --channel NAME (--data-dir DIR | --url URL) [--genesis FILE] [--suite S] [--token JWT] [--json]
 *   konsortium keygen --suite intl|gost|sm|seal [--out FILE]
 * Exit status: 0 ok, 1 the chain is broken (verify) or an operation failed, 2 usage.
 */
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { serverSuite } from '@konsortium/ledger';
import { isSuiteId, suiteById, toHex, type SuiteId, x25519KeyPair } from '@konsortium/protocol';
import { readGenesisFile } from './ledger/ledger-node.js';
import { genesisBlockHash } from './verify/genesis-hash.js';
import { httpSource } from './verify/http-source.js';
import { openStoreSource } from './verify/store-source.js';
import { verifyChain } from './verify/verify-chain.js';

const USAGE = `usage:
  konsortium verify --channel NAME (--data-dir DIR | --url URL) [--genesis FILE] [--suite intl|gost|sm] [--token JWT] [--json]
      Recomputes every block hash, Merkle root, link and node signature of a channel's chain and
      reports the first broken link. --data-dir reads a (stopped) node's data directory and also
      recomputes the world state root; --url reads a node's API and checks the node keys of each
      block against a state proof. --genesis anchors block 0 to a genesis document.
  konsortium keygen --suite intl|gost|sm|seal [--out FILE]
      Generates a key pair; prints {"suite","privateKey","publicKey"} (hex) or writes it to FILE (mode 600).`;

class Usage extends Error {}

async function verify(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      channel: { type: 'string' },
      'data-dir': { type: 'string' },
      url: { type: 'string' },
      genesis: { type: 'string' },
      suite: { type: 'string' },
      token: { type: 'string' },
      json: { type: 'boolean' },
    },
  });
  const channel = values.channel;
  if (channel === undefined) throw new Usage('--channel is required');
  if ((values['data-dir'] === undefined) === (values.url === undefined)) throw new Usage('give one of --data-dir or --url');
  const genesis = values.genesis === undefined ? null : await readGenesisFile(values.genesis);
  if (genesis !== null && genesis.channel !== channel) throw new Usage(`--genesis is for channel ${genesis.channel}, not ${channel}`);
  let suiteId: SuiteId = genesis?.suite ?? 'intl';
  if (values.suite !== undefined) {
    if (!isSuiteId(values.suite)) throw new Usage(`unknown suite ${values.suite}`);
    suiteId = values.suite;
  }
  const suite = serverSuite(suiteId);
  const source = values['data-dir'] !== undefined ? await openStoreSource(values['data-dir'], channel, suite) : httpSource(values.url!, channel, suite, values.token);
  try {
    const report = await verifyChain({
      suite,
      source,
      genesisHash: genesis === null ? undefined : genesisBlockHash(genesis, suiteById(genesis.suite)),
      onBlock: values.json ? undefined : (h) => h % 1000 === 0 && process.stderr.write(`verified through block ${h}\n`),
    });
    if (values.json) process.stdout.write(`${JSON.stringify({ channel, source: source.description, ...report })}\n`);
    else if (report.ok) {
      process.stdout.write(
        `OK: channel ${channel}, blocks ${report.lowest}..${report.head} (${report.verified}) verified; head ${report.headHash}${report.stateChecked ? '; world state matches the head state root' : ''}\n`,
      );
    } else {
      const p = report.problem!;
      process.stdout.write(`BROKEN at block ${p.height}: ${p.code}: ${p.message}\n(${report.verified} blocks before it verified)\n`);
    }
    return report.ok ? 0 : 1;
  } finally {
    await source.close();
  }
}

async function keygen(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, strict: true, options: { suite: { type: 'string' }, out: { type: 'string' } } });
  const suite = values.suite;
  if (suite === undefined || (suite !== 'seal' && !isSuiteId(suite))) throw new Usage('--suite intl|gost|sm|seal is required');
  // "seal": the node's X25519 seal key ("seal" in its key file, "sealKey" in a channel genesis).
  const kp = suite === 'seal' ? x25519KeyPair() : suiteById(suite).generateKeyPair();
  const text = `${JSON.stringify({ suite, privateKey: toHex(kp.privateKey), publicKey: toHex(kp.publicKey) })}\n`;
  if (values.out === undefined) process.stdout.write(text);
  else {
    await writeFile(values.out, text, { mode: 0o600, flag: 'wx' });
    process.stdout.write(`${JSON.stringify({ suite, publicKey: toHex(kp.publicKey), file: values.out })}\n`);
  }
  return 0;
}

async function main(): Promise<number> {
  const [cmd, ...rest] = process.argv.slice(2);
  try {
    if (cmd === 'verify') return await verify(rest);
    if (cmd === 'keygen') return await keygen(rest);
    if (cmd === undefined || cmd === '--help' || cmd === 'help') {
      process.stdout.write(`${USAGE}\n`);
      return cmd === undefined ? 2 : 0;
    }
    throw new Usage(`unknown command "${cmd}"`);
  } catch (err) {
    if (err instanceof Usage || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS') === true) {
      process.stderr.write(`konsortium: ${(err as Error).message}\n${USAGE}\n`);
      return 2;
    }
    process.stderr.write(`konsortium: ${(err as Error).message}\n`);
    return 1;
  }
}

void main().then((code) => process.exit(code));
