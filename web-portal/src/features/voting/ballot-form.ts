/**
 * The ballot form's rules, as a pure function: what the user typed → either the createBallot
 * arguments (without the key, which is dealt at submit) or an error per field, each a message id
 * of this feature's catalog. The contract checks everything again; these are the checks a user
 * should hear about next to the field rather than as a rejected transaction.
 */

export interface QuestionDraft {
  readonly text: string;
  readonly options: readonly string[];
}

export interface BallotDraft {
  readonly id: string;
  readonly title: string;
  readonly questions: readonly QuestionDraft[];
  /** datetime-local values (local time); an empty opening means now. */
  readonly opensAt: string;
  readonly closesAt: string;
  readonly eligibility: 'members' | 'cfaAsset';
  /** Member ids separated by commas, spaces or lines. */
  readonly members: string;
  readonly asset: string;
  readonly weights: 'equal' | 'holding';
  readonly minVoters: string;
  /** Share of the eligible weight, percent (0..100, up to two decimals). */
  readonly minWeightPercent: string;
  readonly revote: boolean;
}

export const LIMITS = { maxQuestions: 20, minOptions: 2, maxOptions: 50, maxVoters: 5000, title: 200, text: 1000, option: 200 } as const;

export const BALLOT_ID = /^[a-z0-9][a-z0-9._-]{0,63}$/;
const MEMBER_ID = /^[a-z0-9][a-z0-9._-]{0,63}$/;
const ASSET_CODE = /^[A-Z][A-Z0-9-]{1,31}$/;

export function emptyDraft(): BallotDraft {
  return {
    id: '',
    title: '',
    questions: [{ text: '', options: ['', ''] }],
    opensAt: '',
    closesAt: '',
    eligibility: 'cfaAsset',
    members: '',
    asset: '',
    weights: 'equal',
    minVoters: '',
    minWeightPercent: '',
    revote: false,
  };
}

export interface BallotArgs {
  readonly id: string;
  readonly title: string;
  readonly questions: { text: string; options: string[] }[];
  readonly window: { opensAt: number; closesAt: number };
  readonly eligibility: { members: string[] } | { cfaAsset: string };
  readonly weights: 'equal' | 'holding';
  readonly quorum: { minVoters?: number; minWeightBps?: number };
  readonly revote: boolean;
}

export interface FormContext {
  /** Block time is close to this (ms). */
  readonly now: number;
  /** The member may create ballots for a member list (admin or operator on chain). */
  readonly canListMembers: boolean;
  /** CFA codes the member issued (a ballot of holders needs the issuer, unless admin or operator); undefined: not known. */
  readonly issuedAssets?: readonly string[];
  /** Ballot ids that exist already. */
  readonly existingIds?: ReadonlySet<string>;
}

/** Field → message id. Question fields: `q<i>.text`, `q<i>.options`, `q<i>.o<j>`. */
export type BallotErrors = Readonly<Record<string, string>>;

export type Validation = { readonly ok: true; readonly args: BallotArgs } | { readonly ok: false; readonly errors: BallotErrors };

/** A datetime-local value as ms (local time); NaN when empty or not a date. */
export function localTime(value: string): number {
  if (value.trim() === '') return Number.NaN;
  const ms = new Date(value).getTime();
  return Number.isFinite(ms) ? ms : Number.NaN;
}

/** Member ids from free text: split on commas, semicolons and white space. */
export function parseMembers(text: string): string[] {
  return text
    .split(/[\s,;]+/)
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

export function validateBallot(d: BallotDraft, ctx: FormContext): Validation {
  const e: Record<string, string> = {};
  const id = d.id.trim();
  if (id === '') e.id = 'voting.form.err.required';
  else if (!BALLOT_ID.test(id)) e.id = 'voting.form.err.idPattern';
  else if (ctx.existingIds?.has(id) === true) e.id = 'voting.form.err.idTaken';
  const title = d.title.trim();
  if (title === '') e.title = 'voting.form.err.required';
  else if (title.length > LIMITS.title) e.title = 'voting.form.err.titleLong';

  if (d.questions.length === 0) e.questions = 'voting.form.err.noQuestions';
  else if (d.questions.length > LIMITS.maxQuestions) e.questions = 'voting.form.err.tooManyQuestions';
  d.questions.forEach((q, i) => {
    const text = q.text.trim();
    if (text === '') e[`q${i}.text`] = 'voting.form.err.required';
    else if (text.length > LIMITS.text) e[`q${i}.text`] = 'voting.form.err.textLong';
    if (q.options.length < LIMITS.minOptions) e[`q${i}.options`] = 'voting.form.err.fewOptions';
    else if (q.options.length > LIMITS.maxOptions) e[`q${i}.options`] = 'voting.form.err.manyOptions';
    const seen = new Set<string>();
    q.options.forEach((o, j) => {
      const t = o.trim();
      if (t === '') e[`q${i}.o${j}`] = 'voting.form.err.required';
      else if (t.length > LIMITS.option) e[`q${i}.o${j}`] = 'voting.form.err.optionLong';
      else if (seen.has(t.toLocaleLowerCase())) e[`q${i}.o${j}`] = 'voting.form.err.optionDuplicate';
      seen.add(t.toLocaleLowerCase());
    });
  });

  const opens = d.opensAt.trim() === '' ? ctx.now : localTime(d.opensAt);
  const closes = localTime(d.closesAt);
  if (Number.isNaN(opens)) e.opensAt = 'voting.form.err.date';
  if (d.closesAt.trim() === '') e.closesAt = 'voting.form.err.required';
  else if (Number.isNaN(closes)) e.closesAt = 'voting.form.err.date';
  else if (!Number.isNaN(opens) && closes <= opens) e.closesAt = 'voting.form.err.closeBeforeOpen';
  else if (closes <= ctx.now + 30_000) e.closesAt = 'voting.form.err.closeSoon';

  let eligibility: BallotArgs['eligibility'] | null = null;
  if (d.eligibility === 'members') {
    const members = parseMembers(d.members);
    if (!ctx.canListMembers) e.members = 'voting.form.err.membersForbidden';
    else if (members.length === 0) e.members = 'voting.form.err.required';
    else if (members.some((m) => !MEMBER_ID.test(m))) e.members = 'voting.form.err.memberPattern';
    else if (new Set(members).size !== members.length) e.members = 'voting.form.err.memberDuplicate';
    else if (members.length > LIMITS.maxVoters) e.members = 'voting.form.err.tooManyMembers';
    else eligibility = { members };
    if (d.weights === 'holding') e.weights = 'voting.form.err.holdingNeedsAsset';
  } else {
    const asset = d.asset.trim();
    if (asset === '') e.asset = 'voting.form.err.required';
    else if (!ASSET_CODE.test(asset)) e.asset = 'voting.form.err.assetPattern';
    else if (!ctx.canListMembers && ctx.issuedAssets !== undefined && !ctx.issuedAssets.includes(asset)) e.asset = 'voting.form.err.notIssuer';
    else eligibility = { cfaAsset: asset };
  }

  let minVoters: number | undefined;
  if (d.minVoters.trim() !== '') {
    const n = Number(d.minVoters);
    if (!Number.isInteger(n) || n < 0 || n > LIMITS.maxVoters) e.minVoters = 'voting.form.err.minVoters';
    else minVoters = n;
  }
  let minWeightBps: number | undefined;
  if (d.minWeightPercent.trim() !== '') {
    const p = Number(d.minWeightPercent.replace(',', '.'));
    if (!Number.isFinite(p) || p < 0 || p > 100 || Math.round(p * 100) !== Number((p * 100).toFixed(6))) e.minWeightPercent = 'voting.form.err.percent';
    else minWeightBps = Math.round(p * 100);
  }

  if (Object.keys(e).length > 0 || eligibility === null) return { ok: false, errors: e };
  return {
    ok: true,
    args: {
      id,
      title,
      questions: d.questions.map((q) => ({ text: q.text.trim(), options: q.options.map((o) => o.trim()) })),
      window: { opensAt: opens, closesAt: closes },
      eligibility,
      weights: d.weights,
      quorum: { ...(minVoters === undefined ? {} : { minVoters }), ...(minWeightBps === undefined ? {} : { minWeightBps }) },
      revote: d.revote,
    },
  };
}
