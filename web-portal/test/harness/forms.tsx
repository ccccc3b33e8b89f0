/** The shared form pieces: Field (label, hint, error wiring), Progress, Money, ErrorBanner. */
import { KonsortiumApiError } from '@konsortium/client/errors';
import { useState } from 'react';
import { DateTime, ErrorBanner, Field, Money, Progress, Quantity } from '../../src/ui/components.js';
import { mount } from './mount.js';

function Demo() {
  const [value, setValue] = useState('');
  const error = value !== '' && !/^\d+$/.test(value) ? 'digits only' : undefined;
  return (
    <>
      <h1>Form components</h1>
      <Field label="Amount" hint="Whole units" error={error}>
        {({ id, describedBy, invalid }) => <input id={id} aria-describedby={describedBy} aria-invalid={invalid} value={value} onChange={(e) => setValue(e.target.value)} />}
      </Field>
      <Progress value={0.42} />
      <p id="money">
        <Money minor={123456789} currency="RUB" />
      </p>
      <p id="qty">
        <Quantity value={1234567} />
      </p>
      <p id="date">
        <DateTime value="2026-03-01T12:00:00Z" />
      </p>
      <ErrorBanner error={new KonsortiumApiError(403, 'FORBIDDEN', 'platform admins only')} />
    </>
  );
}

mount(<Demo />);
