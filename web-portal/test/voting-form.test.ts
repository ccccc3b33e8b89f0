/**
 * The ballot form in Chromium: the pure rules (every field's error, valid arguments) and the
 * form itself: errors next to their fields, wired for screen readers, the first invalid field
 * focused, a member list refused to a member that is not a consortium admin or operator, and a
 * valid ballot handed over as the contract's arguments; no serious accessibility violations.
 */
import t from 'tap';
import type { Page } from 'playwright-core';
import { launchBrowser, newPage, seriousViolations } from '../../test/lib/portal.js';
import { serveHarness } from '../../test/lib/harness.js';

type Draft = Record<string, unknown>;
type Result = { ok: true; args: Record<string, unknown> } | { ok: false; errors: Record<string, string> };

const NOW = Date.parse('2026-03-01T12:00:00');
const local = (ms: number) => {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
};

const good: Draft = {
  id: 'agm-2026',
  title: 'Annual meeting 2026',
  questions: [
    { text: 'Approve the annual report?', options: ['Yes', 'No', 'Abstain'] },
    { text: 'Chair', options: ['Ivanova', 'Petrov'] },
  ],
  opensAt: '',
  closesAt: local(NOW + 3_600_000),
  eligibility: 'cfaAsset',
  members: '',
  asset: 'BOND-1',
  weights: 'holding',
  minVoters: '2',
  minWeightPercent: '50.5',
  revote: true,
};

async function validate(page: Page, draft: Draft, ctx: Record<string, unknown>): Promise<Result> {
  return page.evaluate(
    ([d, c]) => {
      const h = (globalThis as unknown as { harness: { validate: (d: unknown, c: unknown) => unknown } }).harness;
      const ctx = c as { existingIds?: string[] };
      return h.validate(d, { ...ctx, existingIds: new Set(ctx.existingIds ?? []) }) as Result;
    },
    [draft, ctx] as const,
  );
}

t.test('ballot form rules', async (t) => {
  const base = await serveHarness(t);
  const browser = await launchBrowser(t);
  const { page } = await newPage(browser);
  await page.goto(`${base}/voting-form.html?lang=en`);
  const issuer = { now: NOW, canListMembers: false, issuedAssets: ['BOND-1'], existingIds: ['agm-2025'] };
  const admin = { now: NOW, canListMembers: true, existingIds: [] };

  const ok = await validate(page, good, issuer);
  t.same(
    ok,
    {
      ok: true,
      args: {
        id: 'agm-2026',
        title: 'Annual meeting 2026',
        questions: good.questions,
        window: { opensAt: NOW, closesAt: NOW + 3_600_000 },
        eligibility: { cfaAsset: 'BOND-1' },
        weights: 'holding',
        quorum: { minVoters: 2, minWeightBps: 5050 },
        revote: true,
      },
    },
    'a valid draft becomes the createBallot arguments (opens now, quorum in basis points)',
  );
  const errorsOf = async (patch: Draft, ctx: Record<string, unknown> = issuer) => {
    const r = await validate(page, { ...good, ...patch }, ctx);
    return r.ok ? {} : r.errors;
  };
  t.same(await errorsOf({ id: '', title: ' ' }), { id: 'voting.form.err.required', title: 'voting.form.err.required' }, 'id and title are required');
  t.same(await errorsOf({ id: 'AGM 2026' }), { id: 'voting.form.err.idPattern' }, 'the id pattern');
  t.same(await errorsOf({ id: 'agm-2025' }), { id: 'voting.form.err.idTaken' }, 'an id in use');
  t.same(await errorsOf({ questions: [] }), { questions: 'voting.form.err.noQuestions' });
  t.same(await errorsOf({ questions: Array.from({ length: 21 }, () => ({ text: 'q', options: ['a', 'b'] })) }), { questions: 'voting.form.err.tooManyQuestions' });
  t.same(
    await errorsOf({ questions: [{ text: '', options: ['Yes'] }, { text: 'Chair', options: ['Ivanova', ' ivanova ', ''] }] }),
    { 'q0.text': 'voting.form.err.required', 'q0.options': 'voting.form.err.fewOptions', 'q1.o1': 'voting.form.err.optionDuplicate', 'q1.o2': 'voting.form.err.required' },
    'question text, too few options, a repeated option, an empty option',
  );
  t.same(await errorsOf({ closesAt: '' }), { closesAt: 'voting.form.err.required' });
  t.same(await errorsOf({ opensAt: local(NOW + 7_200_000) }), { closesAt: 'voting.form.err.closeBeforeOpen' }, 'closing before opening');
  t.same(await errorsOf({ closesAt: local(NOW + 10_000) }), { closesAt: 'voting.form.err.closeSoon' }, 'closing in ten seconds');
  t.same(await errorsOf({ asset: 'bond 1' }), { asset: 'voting.form.err.assetPattern' });
  t.same(await errorsOf({ asset: 'OTHER-2' }), { asset: 'voting.form.err.notIssuer' }, 'an issuer ballots the holders of its own CFA only');
  t.same((await validate(page, { ...good, asset: 'OTHER-2' }, admin)).ok, true, 'an admin or operator may ballot any CFA');
  t.same(await errorsOf({ eligibility: 'members', members: 't-1, t-2', weights: 'equal' }), { members: 'voting.form.err.membersForbidden' }, 'a member list needs an admin or operator');
  t.same(await errorsOf({ eligibility: 'members', members: 't-1 t-1', weights: 'equal' }, admin), { members: 'voting.form.err.memberDuplicate' });
  t.same(await errorsOf({ eligibility: 'members', members: 't-1 T_2!', weights: 'equal' }, admin), { members: 'voting.form.err.memberPattern' });
  t.same(await errorsOf({ eligibility: 'members', members: 't-1', weights: 'holding' }, admin), { weights: 'voting.form.err.holdingNeedsAsset' });
  const members = await validate(page, { ...good, eligibility: 'members', members: 't-1,\nt-2; t-3', weights: 'equal' }, admin);
  t.same(members.ok ? members.args.eligibility : null, { members: ['t-1', 't-2', 't-3'] }, 'members separated by commas, lines and semicolons');
  t.same(await errorsOf({ minVoters: '1.5', minWeightPercent: '101' }), { minVoters: 'voting.form.err.minVoters', minWeightPercent: 'voting.form.err.percent' }, 'quorum bounds');
  t.same(await errorsOf({ minWeightPercent: '33.333' }), { minWeightPercent: 'voting.form.err.percent' }, 'at most two decimals of a percent');
});

t.test('ballot form on screen', async (t) => {
  const base = await serveHarness(t);
  const browser = await launchBrowser(t);
  const { page, consoleErrors } = await newPage(browser);
  await page.goto(`${base}/voting-form.html?lang=en`);
  await page.getByRole('button', { name: 'Create the ballot' }).click();
  const alert = page.getByRole('alert');
  t.match(await alert.innerText(), /fields need attention/, 'the form says how many fields need attention');
  const id = page.getByLabel('Ballot id');
  t.equal(await id.getAttribute('aria-invalid'), 'true');
  t.ok(await id.evaluate((el) => el === (globalThis as unknown as { document: { activeElement: unknown } }).document.activeElement), 'the first invalid field has the focus');
  const described = (await id.getAttribute('aria-describedby'))!.split(' ');
  const texts = await Promise.all(described.map((d) => page.locator(`[id="${d}"]`).innerText()));
  t.ok(texts.includes('Required.'), 'its error is tied to it');
  t.same(await seriousViolations(page), [], 'no serious accessibility violations with errors shown');

  await id.fill('agm-2026');
  await page.getByLabel('Title').fill('Annual meeting 2026');
  await page.getByLabel('Question 1', { exact: true }).fill('Approve the annual report?');
  await page.getByLabel('Option 1 of question 1').fill('Yes');
  await page.getByLabel('Option 2 of question 1').fill('No');
  await page.getByRole('button', { name: 'Add an option to question 1' }).click();
  await page.getByLabel('Option 3 of question 1').fill('no');
  const closes = await page.evaluate(() => {
    const d = new Date(Date.now() + 3_600_000);
    const p = (n: number) => String(n).padStart(2, '0');
    return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
  });
  await page.getByLabel('Closes', { exact: true }).fill(closes);
  t.equal(await page.getByLabel('Option 3 of question 1').getAttribute('aria-invalid'), 'true', 'a repeated option is flagged as the user types');
  t.match(await page.getByText('This option repeats another one.').count(), 1);
  await page.getByLabel('Option 3 of question 1').fill('Abstain');

  await page.getByLabel('Listed members').check();
  await page.getByLabel('Member ids').fill('t-1 t-2');
  await page.getByRole('button', { name: 'Create the ballot' }).click();
  t.match(await page.getByText('Your organisation is not a consortium administrator or operator').innerText(), /choose holders of a CFA you issued/, 'a member list is refused to an issuer, next to the field');
  t.equal(await page.locator('#submitted').count(), 0, 'nothing submitted');

  await page.getByLabel('Holders of a CFA').check();
  await page.getByLabel('CFA code').fill('bond-1');
  await page.getByLabel('By the number of units held').check();
  await page.getByLabel('Minimum number of voters').fill('2');
  await page.getByRole('button', { name: 'Create the ballot' }).click();
  const args = JSON.parse(await page.locator('#submitted').innerText()) as Record<string, unknown>;
  t.match(args, { id: 'agm-2026', title: 'Annual meeting 2026', eligibility: { cfaAsset: 'BOND-1' }, weights: 'holding', quorum: { minVoters: 2 }, revote: false }, 'a valid ballot is handed over (the code upper-cased as typed)');
  t.same(args.questions, [{ text: 'Approve the annual report?', options: ['Yes', 'No', 'Abstain'] }]);
  t.equal(await page.getByRole('alert').count(), 0, 'no errors left');

  await page.goto(`${base}/voting-form.html?lang=ru&members=1`);
  await page.getByRole('button', { name: 'Создать голосование' }).click();
  t.match(await page.getByRole('alert').innerText(), /требуют внимания/, 'in Russian');
  t.equal(await page.getByLabel('Участники по списку').isChecked(), true, 'an admin starts from a member list');
  await page.goto(`${base}/voting-form.html?lang=zh`);
  await page.getByRole('button', { name: '创建投票' }).click();
  t.match(await page.getByRole('alert').innerText(), /需要修改/, 'in Chinese');
  t.same(await seriousViolations(page), [], 'no serious accessibility violations (zh)');
  t.same(consoleErrors, [], 'no console errors');
});
