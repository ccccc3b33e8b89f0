import { useId } from 'react';
import { FormattedMessage } from 'react-intl';
import { LOCALE_NAMES, LOCALES, isLocale } from '../i18n/locales.js';
import { useLocale } from './locale.js';

export function LanguageSwitcher() {
  const { locale, setLocale } = useLocale();
  const id = useId();
  return (
    <span className="lang">
      <label htmlFor={id}>
        <FormattedMessage id="app.language" />
      </label>
      <select id={id} value={locale} onChange={(e) => isLocale(e.target.value) && setLocale(e.target.value)}>
        {LOCALES.map((l) => (
          <option key={l} value={l} lang={l}>
            {LOCALE_NAMES[l]}
          </option>
        ))}
      </select>
    </span>
  );
}
