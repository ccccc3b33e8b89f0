/** Placeholder until the operator screens land. */
import { FormattedMessage } from 'react-intl';
import { PageHeader } from '../../ui/components.js';

export default function OperatorSection() {
  return <PageHeader title={<FormattedMessage id="nav.operator" />} />;
}
