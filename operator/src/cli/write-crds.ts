/** `konsortium-operator crds [--out DIR]`: prints the CRDs as one YAML stream, or writes one file each into DIR. */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { crdFiles } from '../crds-yaml.js';

export function writeCrds(out: string | undefined): void {
  const files = crdFiles();
  if (out === undefined) {
    process.stdout.write([...files.values()].join('---\n'));
    return;
  }
  mkdirSync(out, { recursive: true });
  for (const [name, text] of files) writeFileSync(path.join(out, name), text);
  process.stdout.write(`wrote ${[...files.keys()].join(', ')} to ${out}\n`);
}
