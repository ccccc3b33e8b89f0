/**
 * Message catalogs: ICU MessageFormat strings (plurals, selects, numbers and dates formatted per
 * locale by react-intl). Each feature keeps its own catalog next to its screens, keyed by a
 * prefix of its own; this file merges the shell's (the services' are merged over it when their
 * screens load; web-portal/test/catalog.test.ts checks them all). `defineMessages` (define.ts) makes the compiler check
 * that Russian and Chinese have exactly the keys English has.
 */
import { authMessages } from '../features/auth/messages.js';
import { homeMessages } from '../features/home/messages.js';
import { uiMessages } from '../ui/messages.js';
import type { Messages } from './define.js';
import type { Locale } from './locales.js';

/** The shell's catalogs; each service brings its own with its chunk (FeatureMessages in app/locale.tsx). */
const parts = [uiMessages, authMessages, homeMessages];

export function messagesFor(locale: Locale): Messages {
  const out: Record<string, string> = {};
  for (const p of parts) Object.assign(out, p[locale]);
  return out;
}
