/** Placeholder until the voting screens land. */
import { FormattedMessage } from 'react-intl';
import { PageHeader } from '../../ui/components.js';

export default function VotingSection() {
  return <PageHeader title={<FormattedMessage id="nav.voting" />} />;
}
