/**
 * The portal's languages and how one is chosen: the user's last choice (kept in localStorage),
 * else the browser's preferred language if we have it, else English.
 */
export const LOCALES = ['en', 'ru', 'zh'] as const;
export type Locale = (typeof LOCALES)[number];

/** Each language named in itself, for the switcher. */
export const LOCALE_NAMES: Readonly<Record<Locale, string>> = { en: 'English', ru: 'Русский', zh: '中文' };

/**
 * The currency of the consortium's settlement token (the money leg of CFA deals, fees): one for
 * the whole platform, whatever the reader's language; amounts are kept in its minor units
 * (kopecks) and formatted the reader's way.
 */
export const SETTLEMENT_CURRENCY = 'RUB';

const KEY = 'konsortium.locale';

export function isLocale(x: unknown): x is Locale {
  return typeof x === 'string' && (LOCALES as readonly string[]).includes(x);
}

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
