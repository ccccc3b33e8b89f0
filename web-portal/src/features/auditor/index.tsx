/** Placeholder until the auditor screens land. */
import { FormattedMessage } from 'react-intl';
import { PageHeader } from '../../ui/components.js';

export default function AuditorSection() {
  return <PageHeader title={<FormattedMessage id="nav.auditor" />} />;
}
