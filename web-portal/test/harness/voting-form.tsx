/**
 * The ballot form on its own (no ledger): `?members=1` as a consortium admin or operator (may
 * list members), else an issuer of BOND-1; a valid submit shows the arguments in #submitted.
 * `window.harness.validate` exposes the pure rules.
 */
import { useState } from 'react';
import { validateBallot } from '../../src/features/voting/ballot-form.js';
import type { BallotArgs } from '../../src/features/voting/ballot-form.js';
import { BallotForm } from '../../src/features/voting/BallotForm.js';
import '../../src/features/data/data.css';
import { mount } from './mount.js';

const q = new URLSearchParams(location.search);
const canListMembers = q.get('members') === '1';

function Demo() {
  const [args, setArgs] = useState<BallotArgs | null>(null);
  return (
    <>
      <h1>Ballot form</h1>
      <BallotForm ctx={{ now: Date.now(), canListMembers, issuedAssets: ['BOND-1'], existingIds: new Set(['agm-2025']) }} assets={['BOND-1']} busy={false} onSubmit={setArgs} />
      {args === null ? null : (
        <section aria-label="submitted">
          <pre id="submitted">{JSON.stringify(args)}</pre>
        </section>
      )}
    </>
  );
}

(window as unknown as { harness: { validate: typeof validateBallot } }).harness = { validate: validateBallot };
mount(<Demo />);
