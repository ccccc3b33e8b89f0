/** The user's self-custody keys for these services (shared by encrypted data and voting). */
import { FormattedMessage } from 'react-intl';
import { PageHeader } from '../../ui/components.js';
import { IdentityPanel } from './identity/IdentityPanel.js';

export function KeysPage() {
  return (
    <>
      <PageHeader title={<FormattedMessage id="data.identity.title" />} lead={<FormattedMessage id="data.identity.lead" />} />
      <IdentityPanel />
    </>
  );
}
