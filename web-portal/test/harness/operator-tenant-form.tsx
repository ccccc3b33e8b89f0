/**
 * The operator console's forms in the browser: the new-tenant wizard mounted with a submit that
 * records the request body (no server), and the pure form rules on `window.harness`.
 */
import { KonsortiumApiError } from '@konsortium/client/errors';
import { useState } from 'react';
import * as forms from '../../src/features/operator/forms.js';
import { TenantWizard } from '../../src/features/operator/TenantWizard.js';
import { mount } from './mount.js';
import '../../src/features/operator/operator.css';

const submitted: Record<string, unknown>[] = [];

function Demo() {
  const [error, setError] = useState<unknown>(undefined);
  const fail = new URLSearchParams(location.search).get('fail');
  return (
    <div className="operator">
      <h1>New tenant</h1>
      <TenantWizard
        error={error}
        onSubmit={async (body) => {
          submitted.push(body);
          if (fail !== null) setError(new KonsortiumApiError(409, fail, 'already exists (email)'));
        }}
      />
    </div>
  );
}

(globalThis as unknown as { harness: unknown }).harness = { submitted, forms };
mount(<Demo />);
