/** The current language for the app, with react-intl's provider under it. */
import { createContext, type ReactNode, useContext, useEffect, useMemo, useState } from 'react';
import { IntlProvider } from 'react-intl';
import { messagesFor } from '../i18n/catalog.js';
import type { Messages } from '../i18n/define.js';
import { initialLocale, keepLocale } from '../i18n/choice.js';
import { type Locale, SETTLEMENT_CURRENCY } from '../i18n/locales.js';

interface LocaleValue {
  readonly locale: Locale;
  /** The settlement token's currency (invoices carry their own). */
  readonly currency: string;
  setLocale(l: Locale): void;
}

const LocaleContext = createContext<LocaleValue | null>(null);

export function LocaleProvider({ children }: { children: ReactNode }) {
  const [locale, setLocale] = useState<Locale>(initialLocale);
  useEffect(() => keepLocale(locale), [locale]);
  const messages = useMemo(() => messagesFor(locale), [locale]);
  const value = useMemo(() => ({ locale, currency: SETTLEMENT_CURRENCY, setLocale }), [locale]);
  return (
    <LocaleContext.Provider value={value}>
      <IntlProvider locale={intlLocale(locale)} messages={messages} defaultLocale="en" onError={reportIntlError}>
        {children}
      </IntlProvider>
    </LocaleContext.Provider>
  );
}

const intlLocale = (l: Locale): string => (l === 'zh' ? 'zh-CN' : l);

/**
 * A service's own catalogs over the shell's, for the screens under it (a service that shows
 * another's codes, like the operator's CFA administration, takes that catalog too). They are
 * imported by the service's chunk, so their text loads with its screens, not with the first page.
 */
export function FeatureMessages({ catalogs, children }: { catalogs: readonly Readonly<Record<Locale, Messages>>[]; children: ReactNode }) {
  const { locale } = useLocale();
  const messages = useMemo(() => Object.assign({}, messagesFor(locale), ...catalogs.map((c) => c[locale])) as Messages, [catalogs, locale]);
  return (
    <IntlProvider locale={intlLocale(locale)} messages={messages} defaultLocale="en" onError={reportIntlError}>
      {children}
    </IntlProvider>
  );
}

/** A missing message is a bug the catalog test catches; say so in the console, never crash. */
function reportIntlError(err: { code?: string; message: string }): void {
  if (err.code === 'MISSING_TRANSLATION') console.warn(err.message);
  else console.error(err.message);
}

export function useLocale(): LocaleValue {
  const v = useContext(LocaleContext);
  if (v === null) throw new Error('useLocale outside LocaleProvider');
  return v;
}
