#!/usr/bin/env node
/**
 * konsortium-operator: the Kubernetes operator of Konsortium.
 *
 *   konsortium-operator run [options]       reconcile KonsortiumNetworks and LedgerNodes (see cli/run.ts)
 *   konsortium-operator crds [--out DIR]    print the CRDs (or write one file each into DIR)
 *
 * Exit status: 0 stopped cleanly, 1 failed, 2 usage.
 */
import { parseArgs } from 'node:util';
import { writeCrds } from './cli/write-crds.js';

const [command, ...rest] = process.argv.slice(2);
try {
  if (command === 'crds') {
    const { values } = parseArgs({ args: rest, options: { out: { type: 'string' } }, strict: true });
    writeCrds(values.out);
  } else if (command === 'run') {
    const { runOperator } = await import('./cli/run.js');
    await runOperator(rest);
  } else {
    process.stderr.write('usage: konsortium-operator run [options] | crds [--out DIR]\n');
    process.exitCode = 2;
  }
} catch (err) {
  process.stderr.write(`konsortium-operator: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = err instanceof TypeError && /argument|option/i.test(err.message) ? 2 : 1;
}
