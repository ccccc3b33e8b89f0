/**
 * The portal's languages (choosing one is choice.ts: it touches the browser, this file does not).
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

export function isLocale(x: unknown): x is Locale {
  return typeof x === 'string' && (LOCALES as readonly string[]).includes(x);
}
