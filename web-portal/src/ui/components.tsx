/**
 * Small building blocks every screen uses, so that errors, progress, money and dates look and
 * read the same everywhere (and are announced to screen readers the same way).
 */
import { type ReactNode, useId } from 'react';
import { FormattedDate, FormattedMessage, FormattedNumber, FormattedTime, useIntl } from 'react-intl';
import { NavLink } from 'react-router-dom';
import { describeError } from './errors.js';

/** A page's title (the one h1) and an optional line under it. */
export function PageHeader({ title, lead, actions }: { title: ReactNode; lead?: ReactNode; actions?: ReactNode }) {
  return (
    <header className="page-header">
      <div>
        <h1>{title}</h1>
        {lead === undefined ? null : <p className="lead">{lead}</p>}
      </div>
      {actions === undefined ? null : <div className="actions">{actions}</div>}
    </header>
  );
}

/** An error as a sentence that says what to do, with its code and an optional retry. */
export function ErrorBanner({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const intl = useIntl();
  if (error === undefined || error === null) return null;
  const d = describeError(error, intl);
  return (
    <div className="banner error" role="alert">
      <strong>
        <FormattedMessage id="error.title" />
      </strong>
      <p>{d.text}</p>
      {d.code === null ? null : (
        <p className="code">
          <FormattedMessage id="error.code" values={{ code: <code>{d.code}</code> }} />
        </p>
      )}
      {onRetry === undefined ? null : (
        <button type="button" onClick={onRetry}>
          <FormattedMessage id="common.retry" />
        </button>
      )}
    </div>
  );
}

/** A success or information line, announced politely. */
export function Notice({ children, kind = 'info' }: { children: ReactNode; kind?: 'info' | 'success' }) {
  return (
    <div className={`banner ${kind}`} role="status">
      {children}
    </div>
  );
}

/** Progress of a long operation: a real <progress> with its label; indeterminate without a value. */
export function Progress({ value, label }: { value?: number; label?: ReactNode }) {
  const intl = useIntl();
  const id = useId();
  const pct = value === undefined ? undefined : Math.max(0, Math.min(1, value));
  return (
    <div className="progress">
      <label htmlFor={id}>{label ?? (pct === undefined ? <FormattedMessage id="common.working" /> : <FormattedMessage id="progress.label" values={{ percent: pct }} />)}</label>
      <progress id={id} max={1} {...(pct === undefined ? {} : { value: pct })} aria-valuetext={pct === undefined ? undefined : intl.formatNumber(pct, { style: 'percent' })} />
    </div>
  );
}

export function Loading() {
  return (
    <p className="loading" role="status" aria-live="polite">
      <FormattedMessage id="app.loading" />
    </p>
  );
}

/** An amount kept in minor units (kopecks, cents, fen) shown in the locale's way. */
export function Money({ minor, currency, scale = 2 }: { minor: bigint | number | string; currency: string; scale?: number }) {
  const n = Number(minor) / 10 ** scale;
  return <FormattedNumber value={n} style="currency" currency={currency} minimumFractionDigits={scale} maximumFractionDigits={scale} />;
}

/** A count of units (CFA, votes) with grouping per locale. */
export function Quantity({ value }: { value: bigint | number | string }) {
  return <FormattedNumber value={Number(value)} />;
}

/** An instant as date and time in the user's locale (ISO string or ms). */
export function DateTime({ value }: { value: string | number | null | undefined }) {
  if (value === null || value === undefined || value === '') return <span>—</span>;
  const d = typeof value === 'number' ? value : Date.parse(value);
  return (
    <time dateTime={new Date(d).toISOString()}>
      <FormattedDate value={d} year="numeric" month="short" day="numeric" /> <FormattedTime value={d} />
    </time>
  );
}

/** A labelled form field; the hint and the error are tied to the input for screen readers. */
export function Field({
  label,
  hint,
  error,
  children,
}: {
  label: ReactNode;
  hint?: ReactNode;
  error?: ReactNode;
  children: (ids: { id: string; describedBy: string | undefined; invalid: boolean }) => ReactNode;
}) {
  const id = useId();
  const hintId = `${id}-hint`;
  const errId = `${id}-err`;
  const describedBy = [hint === undefined ? null : hintId, error ? errId : null].filter((x) => x !== null).join(' ') || undefined;
  return (
    <div className={`field${error ? ' invalid' : ''}`}>
      <label htmlFor={id}>{label}</label>
      {children({ id, describedBy, invalid: Boolean(error) })}
      {hint === undefined ? null : (
        <small id={hintId} className="hint">
          {hint}
        </small>
      )}
      {error ? (
        <small id={errId} className="field-error">
          {error}
        </small>
      ) : null}
    </div>
  );
}

/** A table with a caption (visible or for screen readers only) and an empty state. */
export function DataTable<T>({
  caption,
  columns,
  rows,
  rowKey,
  captionHidden = false,
}: {
  caption: ReactNode;
  columns: readonly { readonly header: ReactNode; readonly cell: (row: T) => ReactNode; readonly numeric?: boolean }[];
  rows: readonly T[];
  rowKey: (row: T) => string;
  captionHidden?: boolean;
}) {
  return (
    <div className="table-wrap">
      <table>
        <caption className={captionHidden ? 'visually-hidden' : undefined}>{caption}</caption>
        <thead>
          <tr>
            {columns.map((c, i) => (
              <th key={i} scope="col" className={c.numeric ? 'num' : undefined}>
                {c.header}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.length === 0 ? (
            <tr>
              <td colSpan={columns.length}>
                <FormattedMessage id="common.none" />
              </td>
            </tr>
          ) : (
            rows.map((r) => (
              <tr key={rowKey(r)}>
                {columns.map((c, i) => (
                  <td key={i} className={c.numeric ? 'num' : undefined}>
                    {c.cell(r)}
                  </td>
                ))}
              </tr>
            ))
          )}
        </tbody>
      </table>
    </div>
  );
}

/** A short status word with a colour that is never the only signal (the word is always there). */
export function StatusBadge({ tone, children }: { tone: 'ok' | 'warn' | 'bad' | 'neutral'; children: ReactNode }) {
  return <span className={`badge ${tone}`}>{children}</span>;
}

/** A service's own navigation under the header (its sections as links; the current one marked). */
export function SectionNav({ label, links }: { label: string; links: readonly { readonly to: string; readonly id: string; readonly end?: boolean }[] }) {
  return (
    <nav className="subnav" aria-label={label}>
      <ul>
        {links.map((l) => (
          <li key={l.to}>
            <NavLink to={l.to} end={l.end ?? false}>
              <FormattedMessage id={l.id} />
            </NavLink>
          </li>
        ))}
      </ul>
    </nav>
  );
}

/** What a path no screen answers shows. */
export function NotFound() {
  return (
    <p>
      <FormattedMessage id="app.notFound" />
    </p>
  );
}

/** A service opened by a role that may not use it: its title and why not. */
export function RoleRefused({ titleId }: { titleId: string }) {
  return (
    <>
      <PageHeader title={<FormattedMessage id={titleId} />} />
      <p role="alert">
        <FormattedMessage id="error.FORBIDDEN" />
      </p>
    </>
  );
}
