/** Placeholder until the cfa screens land. */
import { FormattedMessage } from 'react-intl';
import { PageHeader } from '../../ui/components.js';

export default function CfaSection() {
  return <PageHeader title={<FormattedMessage id="nav.cfa" />} />;
}
