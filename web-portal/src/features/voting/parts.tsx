/** Pieces of the voting screens: the clock, a ballot's phase as a badge, its window, answers as text. */
import { useEffect, useState } from 'react';
import { FormattedMessage } from 'react-intl';
import { DateTime, StatusBadge } from '../../ui/components.js';
import type { Ballot, BallotPhase } from './model.js';

/** The time, refreshed every `everyMs` (ballot windows open and close between blocks). */
export function useNow(everyMs = 5000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(t);
  }, [everyMs]);
  return now;
}

const TONE: Readonly<Record<BallotPhase, 'ok' | 'warn' | 'bad' | 'neutral'>> = { scheduled: 'neutral', open: 'ok', ended: 'warn', closed: 'warn', counting: 'warn', tallied: 'neutral' };

export function PhaseBadge({ phase }: { phase: BallotPhase }) {
  return (
    <StatusBadge tone={TONE[phase]}>
      <FormattedMessage id={`voting.phase.${phase}`} />
    </StatusBadge>
  );
}

export function WindowText({ b }: { b: Ballot }) {
  const w = b.window;
  if ('opensAt' in w) return <FormattedMessage id="voting.window.time" values={{ from: <DateTime value={w.opensAt} />, to: <DateTime value={w.closesAt} /> }} />;
  return <FormattedMessage id="voting.window.height" values={{ from: w.openHeight, to: w.closeHeight }} />;
}

/** "Chair — Ivanova; Budget — yes" for a list of option indices. */
export function AnswersText({ b, answers }: { b: Pick<Ballot, 'questions'>; answers: readonly number[] | null }) {
  if (answers === null) return <FormattedMessage id="voting.spoiled" />;
  return <span>{answers.map((a, q) => `${b.questions[q]?.text ?? q + 1} — ${b.questions[q]?.options[a] ?? a}`).join('; ')}</span>;
}
