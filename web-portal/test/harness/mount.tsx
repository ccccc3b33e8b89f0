/**
 * Mounts a component under the portal's providers (language from `?lang=`, default en; the
 * shell's messages and every service's, as FeatureMessages gives a service's screens) for a
 * component test. No session: components that need the control plane are not tested this way.
 */
import type { ReactNode } from 'react';
import { createRoot } from 'react-dom/client';
import { IntlProvider } from 'react-intl';
import { auditorMessages } from '../../src/features/auditor/messages.js';
import { cfaMessages } from '../../src/features/cfa/messages.js';
import { dataMessages } from '../../src/features/data/messages.js';
import { operatorMessages } from '../../src/features/operator/messages.js';
import { votingMessages } from '../../src/features/voting/messages.js';
import { messagesFor } from '../../src/i18n/catalog.js';
import { isLocale, type Locale } from '../../src/i18n/locales.js';
import '../../src/styles.css';

const allMessages = (l: Locale) => Object.assign({}, messagesFor(l), ...[cfaMessages, dataMessages, votingMessages, operatorMessages, auditorMessages].map((c) => c[l]));

export function mount(node: ReactNode): void {
  const q = new URLSearchParams(location.search).get('lang');
  const locale = isLocale(q) ? q : 'en';
  document.documentElement.lang = locale;
  const root = document.getElementById('root');
  if (root === null) throw new Error('no #root');
  createRoot(root).render(
    <IntlProvider locale={locale === 'zh' ? 'zh-CN' : locale} messages={allMessages(locale)} defaultLocale="en">
      {node}
    </IntlProvider>,
  );
}
