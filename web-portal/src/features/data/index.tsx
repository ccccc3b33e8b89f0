/** Placeholder until the data screens land. */
import { FormattedMessage } from 'react-intl';
import { PageHeader } from '../../ui/components.js';

export default function DataSection() {
  return <PageHeader title={<FormattedMessage id="nav.data" />} />;
}
