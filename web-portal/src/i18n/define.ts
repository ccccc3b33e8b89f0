import type { Locale } from './locales.js';

export type Messages = Readonly<Record<string, string>>;

/**
 * A feature's catalog: English defines the keys, Russian and Chinese must have the same ones
 * (a missing or extra key is a compile error). Values are ICU MessageFormat.
 */
export function defineMessages<const K extends string>(c: { en: Record<K, string>; ru: Record<K, string>; zh: Record<K, string> }): Readonly<Record<Locale, Messages>> {
  return c;
}
