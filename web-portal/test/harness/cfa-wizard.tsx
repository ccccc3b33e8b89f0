/**
 * The CFA issue wizard alone (no session, no ledger) and the CFA screens' pure logic, for the
 * component test: `?lang=` picks the language, `?available=<kopecks>` the issuer's available
 * money, `?now=<ms>` the clock; the fee schedule charges 100 ₽ per filing. What the form would
 * send lands in `window.harness.submitted`; the model's functions are on `window.harness.model`.
 */
import type { CfaFeeSchedule } from '@konsortium/client';
import { IssueWizardForm } from '../../src/features/cfa/IssueWizard.js';
import { allocate, allocationRows, checkIssue, dateTimeInput, emptyIssueForm, feeFor, parseDateTime, parseMoney, parseUnits, phaseProgress, placementWindow } from '../../src/features/cfa/model.js';
import type { FileIssueArgs } from '../../src/features/cfa/model.js';
import '../../src/features/cfa/cfa.css';
import { mount } from './mount.js';

const q = new URLSearchParams(location.search);
const now = q.has('now') ? Number(q.get('now')) : Date.now();
const available = q.has('available') ? Number(q.get('available')) : 1_000_000;
const fees: CfaFeeSchedule = { collector: 'operator', rules: { issue: { fixed: 10_000, bps: 0 }, trade: { fixed: 0, bps: 100 }, placement: { fixed: 100, bps: 25 } } };

const submitted: FileIssueArgs[] = [];
(globalThis as unknown as { harness: unknown }).harness = {
  submitted,
  now,
  fees,
  model: { allocate, allocationRows, checkIssue, dateTimeInput, emptyIssueForm, feeFor, parseDateTime, parseMoney, parseUnits, phaseProgress, placementWindow },
};

mount(
  <>
    <h1>CFA issue wizard</h1>
    <IssueWizardForm now={now} fees={fees} available={available} busy={false} onSubmit={(args) => submitted.push(args)} />
  </>,
);
