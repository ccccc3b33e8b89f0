/** Small pieces the auditor screens share: a check's outcome in words, problems as sentences. */
import type { ReactNode } from 'react';
import { FormattedMessage } from 'react-intl';
import { StatusBadge } from '../../ui/components.js';
import { type CheckState, type Problem, shortHex } from './chain.js';

export function Check({ state }: { state: CheckState }) {
  if (state === 'ok')
    return (
      <StatusBadge tone="ok">
        <span aria-hidden="true">✓ </span>
        <FormattedMessage id="auditor.check.ok" />
      </StatusBadge>
    );
  if (state === 'fail')
    return (
      <StatusBadge tone="bad">
        <span aria-hidden="true">✗ </span>
        <FormattedMessage id="auditor.check.fail" />
      </StatusBadge>
    );
  return (
    <StatusBadge tone="neutral">
      <FormattedMessage id="auditor.check.skipped" />
    </StatusBadge>
  );
}

/** A problem found in the chain, as a sentence. */
export function ProblemText({ p }: { p: Problem }) {
  const plain = p.code === 'HEIGHT' || p.code === 'UNSIGNED' || p.code === 'CHANNEL';
  const values: Record<string, ReactNode> = {
    height: p.height,
    other: p.other ?? p.height - 1,
    index: p.index ?? 0,
    node: p.nodeId ?? 0,
    found: plain ? (p.found ?? '') : <code title={p.found}>{shortHex(p.found ?? '', 12)}</code>,
    expected: plain ? (p.expected ?? '') : <code title={p.expected}>{shortHex(p.expected ?? '', 12)}</code>,
  };
  return <FormattedMessage id={`auditor.problem.${p.code}`} values={values} />;
}

/** A definition list row. */
export function Kv({ label, children }: { label: ReactNode; children: ReactNode }) {
  return (
    <>
      <dt>{label}</dt>
      <dd>{children}</dd>
    </>
  );
}
