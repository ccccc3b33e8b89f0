/**
 * How the language is chosen: `?lang=` in the address, else the user's last choice (kept in
 * localStorage), else the browser's preferred language if we have it, else English.
 */
import { isLocale, type Locale } from './locales.js';

const KEY = 'konsortium.locale';

export function initialLocale(): Locale {
  const url = new URLSearchParams(globalThis.location?.search ?? '').get('lang');
  if (isLocale(url)) return url;
  const kept = globalThis.localStorage?.getItem(KEY);
  if (isLocale(kept)) return kept;
  for (const l of globalThis.navigator?.languages ?? []) {
    const base = l.slice(0, 2).toLowerCase();
    if (isLocale(base)) return base;
  }
  return 'en';
}

export function keepLocale(l: Locale): void {
  globalThis.localStorage?.setItem(KEY, l);
  document.documentElement.lang = l;
}
