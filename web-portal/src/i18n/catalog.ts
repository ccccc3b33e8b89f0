/**
 * Message catalogs: ICU MessageFormat strings (plurals, selects, numbers and dates formatted per
 * locale by react-intl). Each feature keeps its own catalog next to its screens, keyed by a
 * prefix of its own; this file merges them. `defineMessages` (define.ts) makes the compiler check
 * that Russian and Chinese have exactly the keys English has.
 */
import { auditorMessages } from '../features/auditor/messages.js';
import { authMessages } from '../features/auth/messages.js';
import { cfaMessages } from '../features/cfa/messages.js';
import { dataMessages } from '../features/data/messages.js';
import { homeMessages } from '../features/home/messages.js';
import { operatorMessages } from '../features/operator/messages.js';
import { votingMessages } from '../features/voting/messages.js';
import { uiMessages } from '../ui/messages.js';
import type { Messages } from './define.js';
import type { Locale } from './locales.js';

const parts = [uiMessages, authMessages, homeMessages, cfaMessages, dataMessages, votingMessages, operatorMessages, auditorMessages];

export function messagesFor(locale: Locale): Messages {
  const out: Record<string, string> = {};
  for (const p of parts) Object.assign(out, p[locale]);
  return out;
}

/** Keys present in one locale and missing in another (the catalog test asserts none). */
export function missingKeys(): { locale: Locale; key: string }[] {
  const en = messagesFor('en');
  const out: { locale: Locale; key: string }[] = [];
  for (const l of ['ru', 'zh'] as const) {
    const m = messagesFor(l);
    for (const k of Object.keys(en)) if (!(k in m)) out.push({ locale: l, key: k });
    for (const k of Object.keys(m)) if (!(k in en)) out.push({ locale: 'en', key: k });
  }
  return out;
}
