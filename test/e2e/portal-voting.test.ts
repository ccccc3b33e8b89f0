/**
 * E-voting in Chromium against the `npm start` stack, with two tenants in two browser contexts.
 * Setup through the API (not what the test is about): the demo tenant issues a CFA and both
 * tenants buy into its placement (60 and 40 units), so both are holders. Through the UI: each
 * tenant makes its browser keys; the demo tenant (the issuer) creates a ballot of the holders
 * weighted by holding, its key dealt to the nodes in the browser (after the form refused a bad
 * draft); both vote, each getting a receipt whose inclusion proof the browser verified (and a
 * downloadable receipt file); after the window the issuer closes the ballot, the nodes reveal
 * and tally by themselves, and the results page shows the on-chain tally, the browser's
 * independent recount matching it, the revealed votes and each voter's receipt check. The result
 * is compared with the chain read independently (with proofs). Every main screen passes
 * axe-core in en/ru/zh.
 */
import { readFileSync } from 'node:fs';
import t, { type Test } from 'tap';
import { readCfaOwners, verifyCfaOwners, verifyTxInclusion } from '@konsortium/client';
import type { Page } from 'playwright-core';
import { demoCredentials, norm, stackApi } from '../lib/portal-api.js';
import { checkScreen, launchBrowser, newPage, signIn, startPortalStack } from '../lib/portal.js';
import { sleep } from '../lib/process.js';

const ASSET = 'VOTE-26';
const BALLOT = 'agm-2026';
const TITLE = 'Annual holders’ meeting 2026';
/** How long the ballot stays open after it is created (both tenants vote, one screen is checked in three languages). */
const WINDOW_MS = 60_000;

t.test('e-voting in the portal: ballot, two votes, close, tally, recount, receipts', async (t) => {
  const stack = await startPortalStack(t);
  const demo = await demoCredentials(stack.dataDir);

  // ---- setup through the API -------------------------------------------------------------
  const api = stackApi(stack);
  const voterCreds = { email: 'board@kama-trust.example', password: 'kama-trust-password-1' };
  const created = await api.createTenant('Kama Trust', voterCreds);
  t.equal(created.status, 201, 'a second tenant is created through the API');
  await Promise.all([api.onboarded(demo.tenantId), api.onboarded(created.body.tenant.id)]);
  const issuerMember = await api.memberOf(demo.tenantId);
  const voterMember = created.body.tenant.memberId;

  const operator = async (method: string, args: Record<string, unknown>) => api.settle(`operator ${method}`, await api.submitAsOperator(method, args));
  const tenantOp = async (tenantId: string, token: string, method: string, args: Record<string, unknown>) => api.settle(method, await api.submitAsTenant(tenantId, token, method, args));
  const issuerToken = await api.login(demo.email, demo.password);
  const voterToken = await api.login(voterCreds.email, voterCreds.password);
  await t.test('setup: both tenants hold the demo tenant’s CFA', async (t) => {
    await operator('mint', { account: issuerMember, amount: 1_000_000, ref: 'bank-in-issuer' });
    await operator('mint', { account: voterMember, amount: 1_000_000, ref: 'bank-in-voter' });
    const now = Date.now();
    await tenantOp(demo.tenantId, issuerToken, 'fileIssue', {
      code: ASSET,
      name: 'Voting test bond',
      volume: 100,
      nominal: 100,
      placementPrice: 100,
      placementStart: now - 60_000,
      placementEnd: now + 600_000,
      maturityDate: now + 86_400_000,
      redemptionPrice: 100,
      rights: 'One unit, one vote at holders’ meetings.',
    });
    await operator('registerIssue', { asset: ASSET });
    await tenantOp(demo.tenantId, issuerToken, 'apply', { asset: ASSET, quantity: 60 });
    await tenantOp(created.body.tenant.id, voterToken, 'apply', { asset: ASSET, quantity: 40 });
    await tenantOp(demo.tenantId, issuerToken, 'closePlacement', { asset: ASSET });
    t.pass('placed: 60 units to the issuer, 40 to the second tenant');
  });

  const { endpoints, node } = await api.ledgerNode();
  const CH = endpoints.channels[0]!;
  const proven = async <T>(key: string): Promise<T | null> => {
    const e = await node.getVerifiedState(CH, key);
    return e.value === null ? null : (JSON.parse(new TextDecoder().decode(e.value)) as T);
  };
  const owners = await readCfaOwners(node, CH, ASSET);
  t.ok(verifyCfaOwners('intl', owners), 'the owners registry proves, every bucket');
  t.same(owners.value, { [issuerMember]: 60, [voterMember]: 40 }, 'the owners registry before the ballot');

  const browser = await launchBrowser(t);
  const issuer = await newPage(browser);
  // The second tenant keeps the portal's real CSP: its whole voting path runs under it.
  const voter = await newPage(browser);
  issuer.page.setDefaultTimeout(60_000);
  voter.page.setDefaultTimeout(60_000);
  await signIn(issuer.page, stack.url, demo.email, demo.password);
  await signIn(voter.page, stack.url, voterCreds.email, voterCreds.password);

  await t.test('both tenants make their keys in the browser', async (t) => {
    for (const p of [issuer.page, voter.page]) {
      await p.goto(`${stack.url}/voting/keys`);
      await p.getByRole('button', { name: 'Create my keys in this browser' }).click();
      await p.getByText('Registered on the ledger', { exact: true }).waitFor({ timeout: 180_000 });
    }
    t.pass('registered on chain');
  });

  let closesAt = 0;
  await t.test('the issuer creates a ballot of its holders, weighted by holding', async (t) => {
    const p = issuer.page;
    await p.goto(`${stack.url}/voting/new`);
    await p.getByLabel('Ballot id').waitFor();
    await p.getByRole('button', { name: 'Create the ballot' }).click();
    t.match(await p.getByRole('alert').first().innerText(), /fields need attention/, 'an empty form is refused in the browser');
    t.equal(await p.getByLabel('Ballot id').getAttribute('aria-invalid'), 'true');
    await p.getByLabel('Ballot id').fill(BALLOT);
    await p.getByLabel('Title').fill(TITLE);
    await p.getByLabel('Question 1', { exact: true }).fill('Approve the annual report?');
    await p.getByLabel('Option 1 of question 1').fill('Approve');
    await p.getByLabel('Option 2 of question 1').fill('Reject');
    await p.getByRole('button', { name: 'Add a question' }).click();
    await p.getByLabel('Question 2', { exact: true }).fill('Chair of the meeting');
    await p.getByLabel('Option 1 of question 2').fill('Ivanova');
    await p.getByLabel('Option 2 of question 2').fill('Petrov');
    closesAt = Date.now() + WINDOW_MS;
    const local = await p.evaluate((ms) => {
      const d = new Date(ms);
      const z = (n: number) => String(n).padStart(2, '0');
      return `${d.getFullYear()}-${z(d.getMonth() + 1)}-${z(d.getDate())}T${z(d.getHours())}:${z(d.getMinutes())}:${z(d.getSeconds())}`;
    }, closesAt);
    await p.getByLabel('Closes', { exact: true }).fill(local);
    closesAt = Math.floor(closesAt / 1000) * 1000;
    await p.getByLabel('Holders of a CFA').check();
    await p.getByLabel('CFA code').fill(ASSET);
    await p.getByLabel('By the number of units held').check();
    await p.getByLabel('Minimum number of voters').fill('2');
    await p.getByLabel('Minimum share of the eligible weight, %').fill('50');
    await p.getByRole('button', { name: 'Create the ballot' }).click();
    const done = p.locator('.banner.success');
    await done.waitFor({ timeout: 60_000 });
    t.match(norm(await done.innerText()), new RegExp(`Ballot ${BALLOT} is on the ledger \\(block \\d+\\)\\. Its key was dealt to 3 nodes; 2 of them are needed`), 'created; its key dealt to the nodes');
    const b = await proven<Record<string, unknown>>(`voting/ballot/${BALLOT}`);
    t.match(b, { title: TITLE, eligibility: { source: 'cfaAsset', asset: ASSET }, weights: 'holding', eligibleVoters: 2, eligibleWeight: 100, quorum: { minVoters: 2, minWeightBps: 5000 }, revote: false, status: 'open', creator: issuerMember, secret: null }, 'on chain: the holders snapshot and the weights');
    t.match(b, { window: { closesAt } });
  });

  await t.test('the ballots list shows it open', async (t) => {
    const p = voter.page;
    await p.goto(`${stack.url}/voting`);
    const row = p.getByRole('row', { name: new RegExp(TITLE) });
    await row.waitFor();
    t.match(norm(await row.innerText()), /Open/, 'open, live from the chain');
  });

  const answers = { issuer: ['Approve', 'Ivanova'], voter: ['Reject', 'Ivanova'] };
  const vote = async (t: Test, p: Page, choice: string[], who: string) => {
    await p.goto(`${stack.url}/voting/${BALLOT}`);
    await p.getByRole('heading', { level: 1, name: TITLE }).waitFor();
    await p.getByText(/You are eligible with a weight of/).waitFor();
    await p.getByRole('button', { name: 'Cast my vote' }).click();
    t.equal(await p.getByText('Choose an answer.').count(), 2, `${who}: an incomplete ballot paper is refused in the browser`);
    await p.getByRole('group', { name: '1. Approve the annual report?' }).getByLabel(choice[0]!).check();
    await p.getByRole('group', { name: '2. Chair of the meeting' }).getByLabel(choice[1]!).check();
    await p.getByRole('button', { name: 'Cast my vote' }).click();
    const receipt = p.getByRole('region', { name: 'Your receipt' });
    await receipt.getByText('Inclusion proven').waitFor({ timeout: 60_000 });
    t.match(norm(await receipt.innerText()), new RegExp(`Approve the annual report\\? — ${choice[0]}; Chair of the meeting — ${choice[1]}`), `${who}: the receipt shows the answers cast`);
    const [download] = await Promise.all([p.waitForEvent('download'), receipt.getByRole('button', { name: 'Download the receipt' }).click()]);
    const file = JSON.parse(readFileSync((await download.path())!, 'utf8')) as { txId: string; pseudonym: string; proof: Parameters<typeof verifyTxInclusion>[1]; ballot: string };
    const inclusion = verifyTxInclusion('intl', file.proof);
    t.ok(inclusion !== null && inclusion.txId === file.txId && inclusion.committed, `${who}: the receipt file’s inclusion proof verifies offline`);
    const stored = await proven<{ txId: string; weight: number }>(`voting/vote/${BALLOT}/${file.pseudonym}`);
    t.equal(stored?.txId, file.txId, `${who}: the vote stored under the pseudonym is the receipt’s transaction`);
    return { file, weight: stored?.weight };
  };

  await t.test('both tenants vote and get receipts', async (t) => {
    await checkScreen(t, issuer.page, 'voting-vote', async () => {
      await issuer.page.goto(`${stack.url}/voting/${BALLOT}`);
      await issuer.page.locator('form fieldset input[type=radio]').first().waitFor();
    });
    const mine = await vote(t, issuer.page, answers.issuer, 'issuer');
    t.equal(mine.weight, 60, 'the issuer votes with its 60 units');
    const theirs = await vote(t, voter.page, answers.voter, 'second tenant');
    t.equal(theirs.weight, 40, 'the second tenant with its 40');
    t.not(mine.file.pseudonym, theirs.file.pseudonym, 'one pseudonym each');
    await voter.page.reload();
    await voter.page.getByText(/Your vote is on the ledger \(block \d+\)\./).waitFor();
    t.equal(await voter.page.getByRole('button', { name: 'Cast my vote' }).count(), 0, 'no second vote is offered (revotes are off)');
  });

  await t.test('after the window the ballot is closed, the nodes reveal and tally', async (t) => {
    const p = issuer.page;
    await p.goto(`${stack.url}/voting/${BALLOT}`);
    while (Date.now() < closesAt + 1500) await sleep(500);
    const close = p.getByRole('button', { name: 'Close the ballot' });
    await close.waitFor({ timeout: 30_000 });
    t.pass('the ballot page offers to close it once the window is over');
    await close.click();
    await p.getByRole('link', { name: 'The ballot is tallied: see the results' }).waitFor({ timeout: 120_000 });
    t.pass('the page follows the nodes’ reveal and tally live');
    const b = await proven<{ status: string; revealedShares: number; result: unknown }>(`voting/ballot/${BALLOT}`);
    t.equal(b?.status, 'tallied');
    t.ok((b?.revealedShares ?? 0) >= 2, 'at least 2 of 3 shares revealed');
    t.match(b?.result, { counts: [[60, 40], [100, 0]], voters: 2, weightVoted: 100, spoiled: 0, eligibleVoters: 2, eligibleWeight: 100, quorumMet: true }, 'the on-chain tally, weighted by holding');
  });

  await t.test('results: tally, independent recount, receipt checks', async (t) => {
    for (const [who, p] of [['issuer', issuer.page], ['second tenant', voter.page]] as const) {
      await p.goto(`${stack.url}/voting/${BALLOT}/results`);
      const recount = p.getByRole('region', { name: 'Independent recount in your browser' });
      await recount.waitFor({ timeout: 60_000 });
      t.match(norm(await recount.innerText()), /The recount matches the tally on the ledger\./, `${who}: the browser’s recount matches the chain`);
      t.equal(await recount.getByText('No', { exact: true }).count(), 0, `${who}: no recount check failed`);
      const q1 = norm(await p.getByRole('table', { name: 'Question 1: Approve the annual report?' }).innerText());
      t.match(q1, /Approve\s*Most votes\s*60\s*60%/, `${who}: question 1 as tallied`);
      t.match(q1, /Reject\s*40\s*40%/);
      const mine = p.getByRole('region', { name: 'Was my vote counted?' });
      await mine.getByText('Your vote was counted, and counted as you cast it.').waitFor({ timeout: 60_000 });
      t.equal(await mine.getByText('Yes', { exact: true }).count(), 4, `${who}: all four receipt checks pass`);
      t.match(norm(await p.getByRole('table', { name: /2 votes counted/ }).innerText()), /Approve the annual report\? — Reject; Chair of the meeting — Ivanova/, `${who}: the revealed votes are listed`);
    }
    t.match(norm(await issuer.page.getByText(/took part/).innerText()), /2 of 2 eligible voters took part \(weight 100 of 100; spoiled 0\)\./);
    t.ok(await issuer.page.getByText('Quorum met').isVisible());
  });

  await t.test('screens pass axe-core in en/ru/zh', async (t) => {
    const p = issuer.page;
    await checkScreen(t, p, 'voting-list', async () => {
      await p.goto(`${stack.url}/voting`);
      await p.getByRole('row', { name: new RegExp(BALLOT) }).waitFor();
    });
    await checkScreen(t, p, 'voting-create', async () => {
      await p.goto(`${stack.url}/voting/new`);
      await p.locator('form.ballot-form input').first().waitFor();
    });
    await checkScreen(t, p, 'voting-ballot', async () => {
      await p.goto(`${stack.url}/voting/${BALLOT}`);
      await p.locator('dl.facts').first().waitFor();
      await p.locator('#receipt-h').waitFor();
    });
    await checkScreen(t, p, 'voting-results', async () => {
      await p.goto(`${stack.url}/voting/${BALLOT}/results`);
      await p.locator('#recount-h').waitFor();
      await p.locator('.check-list li').nth(3).waitFor();
    });
  });
  t.same(issuer.consoleErrors, [], 'no console errors (issuer)');
  t.same(voter.consoleErrors, [], 'no console errors (second tenant)');
});
