/**
 * The auditor's chain verification in Chromium, on real blocks: a one-node ledger makes a few
 * blocks with transactions (the operator's deposits and a fee schedule), and the browser
 * recomputes every hash, link, transaction root and signature with the protocol's code. It must
 * agree with the SDK's verifyChain on the untouched chain; every flipped bit must be caught and
 * located (a header bit breaks the next block's link and the node signatures, a transaction bit
 * the block's transaction root or the transaction's signature); and the screen's bit-flip control
 * must flag the tampered block and the break, in every language, accessibly.
 */
import t from 'tap';
import { KonsortiumClient, Signer, verifyChain } from '@konsortium/client';
import type { Page } from 'playwright-core';
import { serveHarness } from '../../test/lib/harness.js';
import { startLedgerCluster } from '../../test/lib/ledger-cluster.js';
import { launchBrowser, newPage, seriousViolations } from '../../test/lib/portal.js';

const CH = 'consortium';

interface Input {
  records: { height: number; hash: string; header: string; block: string }[];
  nodeKeys: { nodeId: number; publicKey: string }[];
  channel: string;
  suite: 'intl';
}
interface Verdict {
  ok: boolean;
  breakAt: { code: string; height: number; other?: number } | null;
  problems: { code: string; height: number; other: number | null }[];
  blocks: { height: number; hash: string | null; checks: Record<string, string>; tampered: boolean; codes: string[] }[];
}
type Tamper = { height: number; target: { kind: 'header'; field: string } | { kind: 'tx'; index: number; part: string }; bit: number };

const verify = (page: Page, input: Input, tamper: Tamper | null = null): Promise<Verdict> =>
  page.evaluate(([i, tp]) => (globalThis as unknown as { harness: { verify(i: unknown, t: unknown): Verdict } }).harness.verify(i, tp), [input, tamper] as const);

t.test('chain verification and bit-flip detection in the browser', async (t) => {
  const lc = await startLedgerCluster({ size: 1 });
  t.teardown(() => lc.destroy());
  const client = new KonsortiumClient({ baseUrl: lc.url(1), timeoutMs: 15_000 });
  const operator = new Signer('intl', lc.admin.privateKey);
  const cfa = (method: string, args: unknown) => ({ contract: 'cfa', method, args });
  // Blocks with one, then several transactions, and a governance one; then an empty stretch.
  for (const ops of [
    [cfa('mint', { account: 'operator', amount: 100_000, ref: 'bank-1' })],
    [cfa('mint', { account: 'operator', amount: 5, ref: 'bank-2' }), cfa('burn', { account: 'operator', amount: 3, ref: 'bank-3' })],
    [{ contract: 'governance', method: 'setFees', args: { collector: 'operator', rules: { trade: { fixed: 0, bps: 100 } } } }],
  ]) {
    const st = await client.submitAndWait(operator.buildTx(CH, ops), { timeoutMs: 20_000 });
    t.equal(st.status, 'committed', `${ops[0]!.method} committed`);
  }
  const a = operator.buildTx(CH, [cfa('mint', { account: 'operator', amount: 7, ref: 'bank-4' })]);
  const b = operator.buildTx(CH, [cfa('mint', { account: 'operator', amount: 9, ref: 'bank-5' })]);
  await Promise.all([client.submit(a), client.submit(b)]);
  await client.waitForStatus(CH, a.id, { timeoutMs: 20_000 });
  await client.waitForStatus(CH, b.id, { timeoutMs: 20_000 });
  const last = operator.buildTx(CH, [cfa('mint', { account: 'operator', amount: 1, ref: 'bank-6' })]);
  await client.submitAndWait(last, { timeoutMs: 20_000 });

  const head = await client.head(CH);
  const records = await client.blocks(CH, 0, head.height + 1);
  const nodeKeys = await client.nodes(CH);
  const input: Input = { records: records.map((r) => ({ ...r })), nodeKeys, channel: CH, suite: 'intl' };
  t.ok(records.length >= 5, `${records.length} blocks to check`);
  const sdk = await verifyChain(client, CH, { txSignatures: true });
  t.ok(sdk.ok, 'the SDK verifies the chain');

  const base = await serveHarness(t);
  const browser = await launchBrowser(t);
  const { page, consoleErrors } = await newPage(browser);
  await page.goto(`${base}/auditor-chain.html?lang=en`);
  await page.waitForFunction(() => (globalThis as unknown as { harness?: unknown }).harness !== undefined);

  const clean = await verify(page, input);
  t.ok(clean.ok, 'the browser verifies the untouched chain');
  t.same(clean.problems, []);
  t.equal(clean.blocks[clean.blocks.length - 1]!.hash, sdk.ok ? sdk.head.hash : null, 'and recomputes the head hash the SDK does');
  t.ok(
    clean.blocks.every((b) => b.checks['hash'] === 'ok' && b.checks['link'] === 'ok' && b.checks['txRoot'] === 'ok' && b.checks['signatures'] === 'ok' && b.checks['txSignatures'] === 'ok'),
    'every hash, link, tx root and signature holds',
  );
  t.same(
    clean.blocks.map((b) => b.hash),
    records.map((r) => r.hash),
    'every recomputed hash is the one the node recorded',
  );

  // The block with the most transactions that has a successor (two when the leader batched a and b together).
  const targetsOf = (h: number) => page.evaluate(([i, hh]) => (globalThis as unknown as { harness: { targets(i: unknown, h: number): { target: Tamper['target']; bits: number }[] } }).harness.targets(i, hh), [input, h] as const);
  let h = -1;
  let txCount = 0;
  for (const r of records.slice(1, -1)) {
    const n = new Set((await targetsOf(r.height)).flatMap((x) => (x.target.kind === 'tx' ? [x.target.index] : []))).size;
    if (n >= txCount && n > 0) [h, txCount] = [r.height, n];
  }
  t.ok(h > 0, `block ${h} has ${txCount} transaction(s) and a successor`);
  const txIdx = txCount - 1;

  // A bit of a transaction's arguments: its id changes, so the block's tx root no longer matches (and its signature no longer verifies).
  const argsFlip = await verify(page, input, { height: h, target: { kind: 'tx', index: txIdx, part: 'args' }, bit: 0 });
  t.notOk(argsFlip.ok);
  t.same(argsFlip.breakAt && { code: argsFlip.breakAt.code, height: argsFlip.breakAt.height }, { code: 'TX_ROOT', height: h }, 'located: the tx root of that block');
  t.same([...new Set(argsFlip.problems.map((p) => `${p.code}@${p.height}`))].sort(), [`TX_ROOT@${h}`, `TX_SIGNATURE@${h}`].sort(), 'nothing else breaks: the header and links are intact');
  t.ok(argsFlip.blocks.find((b) => b.height === h)!.tampered);

  // A bit of a transaction's signature: the id (and so the root) does not cover it; the signature check catches it.
  const sigFlip = await verify(page, input, { height: h, target: { kind: 'tx', index: 0, part: 'signature' }, bit: 5 });
  t.same(sigFlip.problems.map((p) => `${p.code}@${p.height}`), [`TX_SIGNATURE@${h}`], 'a signature bit: only the transaction signature fails');

  // A bit of the header's timestamp: the block hashes differently, so the next block's link breaks and the node signatures fail.
  const tsFlip = await verify(page, input, { height: h, target: { kind: 'header', field: 'timestamp' }, bit: 0 });
  t.same(tsFlip.breakAt && { code: tsFlip.breakAt.code, height: tsFlip.breakAt.height, other: tsFlip.breakAt.other }, { code: 'PREV_HASH', height: h + 1, other: h }, 'located: between the block and the next');
  t.same([...new Set(tsFlip.problems.map((p) => `${p.code}@${p.height}`))].sort(), [`HASH_MISMATCH@${h}`, `PREV_HASH@${h + 1}`, `SIGNATURE@${h}`, `UNSIGNED@${h}`].sort(), 'its hash, its (only) node signature, and the next link');
  t.equal(tsFlip.blocks.find((b) => b.height === h)!.checks['link'], 'ok', 'the tampered block still links to its predecessor');
  t.equal(tsFlip.blocks.find((b) => b.height === h + 1)!.checks['link'], 'fail', 'its successor no longer links to it');

  // The head block: no successor, yet its hash and signatures give it away.
  const top = records[records.length - 1]!.height;
  const headFlip = await verify(page, input, { height: top, target: { kind: 'header', field: 'stateRoot' }, bit: 200 });
  t.same([...new Set(headFlip.problems.map((p) => `${p.code}@${p.height}`))].sort(), [`HASH_MISMATCH@${top}`, `SIGNATURE@${top}`, `UNSIGNED@${top}`].sort(), 'a head block bit: its hash and signatures');

  // Every bit of every header field and of a transaction's nonce and arguments: always caught, always at that block or the next.
  const targets = await targetsOf(h);
  let flips = 0;
  const missed: string[] = [];
  for (const { target, bits } of targets) {
    for (let bit = 0; bit < bits; bit += target.kind === 'header' && (target.field === 'prevHash' || target.field === 'txRoot' || target.field === 'stateRoot') ? 7 : target.kind === 'tx' && target.part !== 'nonce' ? 13 : 1) {
      const v = await verify(page, input, { height: h, target, bit });
      flips++;
      const first = v.problems[0];
      if (v.ok || first === undefined || first.height !== h || v.problems.some((p) => p.height !== h && p.height !== h + 1)) missed.push(`${JSON.stringify(target)} bit ${bit}: ${JSON.stringify(v.problems)}`);
    }
  }
  t.same(missed, [], `${flips} single-bit flips of block ${h}: each detected and located at block ${h} (or its link to ${h + 1})`);

  // The screen: the control flags the tampered block and the break, and says so.
  for (const lang of ['en', 'ru', 'zh'] as const) {
    await page.goto(`${base}/auditor-chain.html?lang=${lang}`);
    await page.waitForFunction(() => (globalThis as unknown as { harness?: unknown }).harness !== undefined);
    await page.evaluate((i) => (globalThis as unknown as { harness: { show(i: unknown): void } }).harness.show(i), input);
    await page.locator('.chain-summary[role=status]').waitFor();
    t.equal(await page.locator('table.chain-table tbody tr').count(), records.length, `${lang}: a row per block`);
    t.equal(await page.locator('table.chain-table tr.broken').count(), 0, `${lang}: nothing flagged`);
    await page.locator('select[name=block]').selectOption(String(h));
    await page.locator('select[name=target]').selectOption('header:timestamp');
    await page.locator('input[name=bit]').fill('0');
    await page.locator('button[name=flip]').click();
    const alert = page.locator('.chain-summary[role=alert]');
    await alert.waitFor();
    const text = await alert.innerText();
    const expected = { en: `breaks between block #${h} and block #${h + 1}`, ru: `разорвана между блоком №${h} и блоком №${h + 1}`, zh: `区块 #${h} 与区块 #${h + 1} 之间断开` }[lang];
    t.ok(text.includes(expected), `${lang}: the alert locates the break: ${await page.locator('.chain-summary .break-at').innerText()}`);
    t.match(await page.locator(`tr[data-height="${h}"]`).getAttribute('class'), /tampered/, `${lang}: the tampered block is flagged`);
    t.match(await page.locator(`tr[data-height="${h}"]`).getAttribute('class'), /broken/);
    t.match(await page.locator(`tr[data-height="${h + 1}"]`).getAttribute('class'), /broken/, `${lang}: and so is the next, whose link broke`);
    t.equal(await page.locator('table.chain-table tr.broken').count(), 2, `${lang}: only those two`);
    t.match(await page.locator('.tamper-note[role=status]').innerText(), lang === 'en' ? /Bit 0 of the header’s timestamp in block #\d+ is flipped/ : /./);
    t.same(await seriousViolations(page), [], `${lang}: no serious accessibility violations with the break shown`);

    // A bit out of range is refused on the field, and nothing changes.
    await page.locator('select[name=target]').selectOption(`tx:${txIdx}:args`);
    await page.locator('input[name=bit]').fill('999999');
    await page.locator('button[name=flip]').click();
    t.equal(await page.locator('input[name=bit]').getAttribute('aria-invalid'), 'true', `${lang}: an impossible bit is refused on its field`);
    t.equal(await page.locator('table.chain-table tr.broken').count(), 2, `${lang}: and the copy is unchanged`);
    await page.locator('input[name=bit]').fill('3');
    await page.locator('button[name=flip]').click();
    await page.waitForFunction(() => (globalThis as unknown as { document: { querySelectorAll(s: string): { length: number } } }).document.querySelectorAll('table.chain-table tr.broken').length === 1);
    t.match(await page.locator('.chain-summary[role=alert] .break-at').innerText(), lang === 'en' ? new RegExp(`Block #${h} is broken: its transactions no longer match`) : /./, `${lang}: a transaction bit breaks the tx root`);

    await page.locator('button[name=restore]').click();
    await page.locator('.chain-summary[role=status]').waitFor();
    t.equal(await page.locator('table.chain-table tr.broken').count(), 0, `${lang}: restored, the chain verifies again`);
  }
  t.same(consoleErrors, [], 'no console errors');
});
