/**
 * The operator console's form rules, pure (a component test runs them in Chromium): the new
 * tenant wizard, quotas, fee rules, money amounts. Each rule answers with a message id (the
 * screens word it), never a sentence. They mirror what the control plane and the contract
 * accept, so a form that passes here is not refused for its shape there.
 */

export const WIZARD_STEPS = ['organisation', 'admin', 'quotas', 'review'] as const;
export type WizardStep = (typeof WIZARD_STEPS)[number];

export interface QuotaDraft {
  readonly maxUsers: string;
  readonly maxApiKeys: string;
  readonly maxTxPerDay: string;
}

export interface TenantDraft extends QuotaDraft {
  readonly name: string;
  readonly plan: 'shared' | 'dedicated';
  readonly adminEmail: string;
  readonly password: string;
  readonly passwordRepeat: string;
  readonly custody: 'custodial' | 'self';
  readonly publicKey: string;
}

export type DraftErrors<T> = Partial<Record<keyof T, string>>;

export const EMPTY_TENANT: TenantDraft = {
  name: '',
  plan: 'shared',
  adminEmail: '',
  password: '',
  passwordRepeat: '',
  custody: 'custodial',
  publicKey: '',
  maxUsers: '',
  maxApiKeys: '',
  maxTxPerDay: '',
};

/** The limits of control-plane/src/api/routes/tenants.ts (Quotas). */
export const QUOTA_LIMITS: Readonly<Record<keyof QuotaDraft, { min: number; max: number }>> = {
  maxUsers: { min: 1, max: 100_000 },
  maxApiKeys: { min: 0, max: 10_000 },
  maxTxPerDay: { min: 0, max: 1_000_000_000 },
};

const EMAIL = /^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$/;
/** Control characters (what the API's Name pattern refuses). */
const hasControl = (s: string): boolean => [...s].some((c) => c.charCodeAt(0) < 0x20);
const HEX_KEY = /^[0-9a-f]{64,200}$/;

/** A whole number typed by a person: digits (spaces and thin spaces as group separators allowed). */
export function parseWhole(s: string): number | null {
  const t = s.replace(/[\s\u00a0\u202f_]/g, '');
  if (!/^\d{1,16}$/.test(t)) return null;
  const n = Number(t);
  return Number.isSafeInteger(n) ? n : null;
}

export function validateQuotas(d: QuotaDraft, required: boolean): DraftErrors<QuotaDraft> {
  const e: DraftErrors<QuotaDraft> = {};
  for (const k of Object.keys(QUOTA_LIMITS) as (keyof QuotaDraft)[]) {
    const raw = d[k].trim();
    if (raw === '') {
      if (required) e[k] = 'operator.form.required';
      continue;
    }
    const n = parseWhole(raw);
    const { min, max } = QUOTA_LIMITS[k];
    if (n === null) e[k] = 'operator.form.wholeNumber';
    else if (n < min || n > max) e[k] = 'operator.form.outOfRange';
  }
  return e;
}

export function validateTenantStep(step: WizardStep, d: TenantDraft): DraftErrors<TenantDraft> {
  const e: DraftErrors<TenantDraft> = {};
  if (step === 'organisation' || step === 'review') {
    const name = d.name.trim();
    if (name === '') e.name = 'operator.form.required';
    else if (name.length > 200) e.name = 'operator.form.tooLong';
    else if (hasControl(name)) e.name = 'operator.form.badCharacters';
  }
  if (step === 'admin' || step === 'review') {
    const email = d.adminEmail.trim();
    if (email === '') e.adminEmail = 'operator.form.required';
    else if (email.length > 254 || !EMAIL.test(email)) e.adminEmail = 'operator.form.email';
    if (d.password === '') e.password = 'operator.form.required';
    else if ([...d.password].length < 12) e.password = 'operator.form.passwordShort';
    else if (new TextEncoder().encode(d.password).length > 1024) e.password = 'operator.form.tooLong';
    if (d.passwordRepeat !== d.password && e.password === undefined) e.passwordRepeat = 'operator.form.passwordMismatch';
    if (d.custody === 'self') {
      const key = d.publicKey.trim();
      if (key === '') e.publicKey = 'operator.form.required';
      else if (!HEX_KEY.test(key)) e.publicKey = 'operator.form.publicKey';
    }
  }
  if (step === 'quotas' || step === 'review') Object.assign(e, validateQuotas(d, false));
  return e;
}

/** The first step with an error (the wizard goes back there on a failed review), or null. */
export function firstInvalidStep(d: TenantDraft): WizardStep | null {
  for (const s of WIZARD_STEPS) if (Object.keys(validateTenantStep(s, d)).length > 0) return s;
  return null;
}

export function quotasBody(d: QuotaDraft): Partial<Record<keyof QuotaDraft, number>> {
  const out: Partial<Record<keyof QuotaDraft, number>> = {};
  for (const k of Object.keys(QUOTA_LIMITS) as (keyof QuotaDraft)[]) {
    const n = parseWhole(d[k]);
    if (d[k].trim() !== '' && n !== null) out[k] = n;
  }
  return out;
}

/** The body of `POST /v1/tenants` (call only after the review step validated). */
export function createTenantBody(d: TenantDraft): Record<string, unknown> {
  const quotas = quotasBody(d);
  return {
    name: d.name.trim(),
    plan: d.plan,
    admin: { email: d.adminEmail.trim(), password: d.password },
    custody: d.custody,
    ...(d.custody === 'self' ? { publicKey: d.publicKey.trim() } : {}),
    ...(Object.keys(quotas).length > 0 ? { quotas } : {}),
  };
}

/**
 * A money amount typed in major units ("1 234,56" or "1234.56") as minor units (2 decimals).
 * Null when it is not an amount or has more than two decimals.
 */
export function parseMoney(s: string): number | null {
  const t = s.replace(/[\s\u00a0\u202f_]/g, '').replace(',', '.');
  const m = /^(\d{1,13})(?:\.(\d{1,2}))?$/.exec(t);
  if (m === null) return null;
  const minor = Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0'));
  return Number.isSafeInteger(minor) ? minor : null;
}

/** A percentage typed by a person ("0.5", "1,25") as basis points (1 % = 100 bps); at most 2 decimals, 0..100 %. */
export function parsePercent(s: string): number | null {
  const t = s.replace(/[\s\u00a0\u202f%]/g, '').replace(',', '.');
  const m = /^(\d{1,3})(?:\.(\d{1,2}))?$/.exec(t);
  if (m === null) return null;
  const bps = Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0'));
  return bps <= 10_000 ? bps : null;
}

/** governance/model.ts FEE_OPERATIONS: what a commission rule can name. */
export const FEE_OPERATIONS = ['issue', 'placement', 'trade', 'gift', 'inheritance', 'redemption', 'early-redemption'] as const;
export type FeeOperation = (typeof FEE_OPERATIONS)[number];

export interface FeeRowDraft {
  /** Major units, empty: none. */
  readonly fixed: string;
  /** Percent, empty: none. */
  readonly percent: string;
}

export type FeeDraft = { readonly collector: string } & { readonly rows: Readonly<Record<FeeOperation, FeeRowDraft>> };

const MEMBER = /^[a-z0-9][a-z0-9._-]{0,63}$/;

export function feeDraftOf(schedule: { collector: string | null; rules: Readonly<Record<string, { fixed: number; bps: number }>> }, defaultCollector: string): FeeDraft {
  const rows = {} as Record<FeeOperation, FeeRowDraft>;
  for (const op of FEE_OPERATIONS) {
    const r = schedule.rules[op];
    rows[op] = {
      fixed: r === undefined || r.fixed === 0 ? '' : (r.fixed / 100).toFixed(2),
      percent: r === undefined || r.bps === 0 ? '' : String(r.bps / 100),
    };
  }
  return { collector: schedule.collector ?? defaultCollector, rows };
}

export interface FeeErrors {
  collector?: string;
  rows: Partial<Record<FeeOperation, { fixed?: string; percent?: string }>>;
}

export function validateFees(d: FeeDraft): FeeErrors {
  const e: FeeErrors = { rows: {} };
  if (d.collector.trim() === '') e.collector = 'operator.form.required';
  else if (!MEMBER.test(d.collector.trim())) e.collector = 'operator.form.memberId';
  for (const op of FEE_OPERATIONS) {
    const r = d.rows[op];
    const re: { fixed?: string; percent?: string } = {};
    if (r.fixed.trim() !== '' && parseMoney(r.fixed) === null) re.fixed = 'operator.form.money';
    if (r.percent.trim() !== '' && parsePercent(r.percent) === null) re.percent = 'operator.form.percent';
    if (re.fixed !== undefined || re.percent !== undefined) e.rows[op] = re;
  }
  return e;
}

export const feeErrorsEmpty = (e: FeeErrors): boolean => e.collector === undefined && Object.keys(e.rows).length === 0;

/** The `setFees` arguments: rows left empty (or zero) name no rule, so that operation is free. */
export function setFeesArgs(d: FeeDraft): { collector: string; rules: Partial<Record<FeeOperation, { fixed: number; bps: number }>> } {
  const rules: Partial<Record<FeeOperation, { fixed: number; bps: number }>> = {};
  for (const op of FEE_OPERATIONS) {
    const r = d.rows[op];
    const fixed = r.fixed.trim() === '' ? 0 : (parseMoney(r.fixed) ?? 0);
    const bps = r.percent.trim() === '' ? 0 : (parsePercent(r.percent) ?? 0);
    if (fixed > 0 || bps > 0) rules[op] = { fixed, bps };
  }
  return { collector: d.collector.trim(), rules };
}

/** Ledger member ids (accounts): lower-case letters, digits, dot, dash, underscore. */
export function validMember(s: string): boolean {
  return MEMBER.test(s.trim());
}

/** Asset codes: upper case, 2..32 characters, starting with a letter. */
export function validAssetCode(s: string): boolean {
  return /^[A-Z][A-Z0-9-]{1,31}$/.test(s.trim());
}
