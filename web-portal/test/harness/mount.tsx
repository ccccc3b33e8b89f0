/**
 * Mounts a component under the portal's providers (language from `?lang=`, default en) for a
 * component test. No session: components that need the control plane are not tested this way.
 */
import type { ReactNode } from 'react';
import { createRoot } from 'react-dom/client';
import { IntlProvider } from 'react-intl';
import { messagesFor } from '../../src/i18n/catalog.js';
import { isLocale } from '../../src/i18n/locales.js';
import '../../src/styles.css';

export function mount(node: ReactNode): void {
  const q = new URLSearchParams(location.search).get('lang');
  const locale = isLocale(q) ? q : 'en';
  document.documentElement.lang = locale;
  const root = document.getElementById('root');
  if (root === null) throw new Error('no #root');
  createRoot(root).render(
    <IntlProvider locale={locale === 'zh' ? 'zh-CN' : locale} messages={messagesFor(locale)} defaultLocale="en">
      {node}
    </IntlProvider>,
  );
}
