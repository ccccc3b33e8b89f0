/**
 * The auditor's chain checks in the browser: `window.harness.verify` runs the block-by-block
 * verification (with an optional flipped bit) on blocks as a node serves them, and
 * `window.harness.show` mounts the chain report with its bit-flip control on such blocks.
 */
import { fromHex, suiteById, type SuiteId } from '@konsortium/protocol';
import { MemoryRouter } from 'react-router-dom';
import { type BlockRecordJson, decodeRecord, SignatureCache, type Tamper, tamperTargets, verifyRange } from '../../src/features/auditor/chain.js';
import { ChainReport } from '../../src/features/auditor/ChainReport.js';
import { mount } from './mount.js';
import '../../src/features/auditor/auditor.css';

interface Input {
  readonly records: readonly BlockRecordJson[];
  readonly nodeKeys: readonly { readonly nodeId: number; readonly publicKey: string }[];
  readonly channel: string;
  readonly suite: SuiteId;
}

const options = (i: Input) => ({ suite: suiteById(i.suite), channel: i.channel, nodeKeys: new Map(i.nodeKeys.map((k) => [k.nodeId, fromHex(k.publicKey)] as const)) });

/** Shared across calls, as the screen shares it across re-checks: signature checks are the slow part. */
const cache = new SignatureCache();

const harness = {
  /** The verdict as plain data: ok, where it breaks, and per block its checks and problem codes. */
  verify(i: Input, tamper: Tamper | null = null) {
    const v = verifyRange({ ...options(i), tamper }, i.records, cache);
    return {
      ok: v.ok,
      breakAt: v.breakAt,
      problems: v.problems.map((p) => ({ code: p.code, height: p.height, other: p.other ?? null })),
      blocks: v.blocks.map((b) => ({ height: b.height, hash: b.hash, checks: b.checks, tampered: b.tampered, codes: b.problems.map((p) => p.code) })),
    };
  },
  /** The tamper targets a block offers, with their sizes in bits. */
  targets(i: Input, height: number) {
    const rec = i.records.find((r) => r.height === height);
    if (rec === undefined) return [];
    return tamperTargets(decodeRecord(suiteById(i.suite), rec));
  },
  /** Mounts the chain report on these blocks (the untouched copy verified first, as the screen does). */
  show(i: Input) {
    const o = options(i);
    const baseline = verifyRange(o, i.records);
    mount(
      <MemoryRouter>
        <h1>Chain integrity</h1>
        <div className="auditor">
          <ChainReport records={i.records} baseline={baseline} options={o} />
        </div>
      </MemoryRouter>,
    );
  },
};

(globalThis as unknown as { harness: typeof harness }).harness = harness;
document.body.dataset['ready'] = 'true';
