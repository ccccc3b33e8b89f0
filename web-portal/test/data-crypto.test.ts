/**
 * The encrypted-data screens' browser crypto in Chromium: a document sealed in the browser opens
 * with the owner's key and with t of the nodes' shares (inline and blob sizes), and only then;
 * a wrong key, too few shares, another record's context or a changed ciphertext byte fail
 * authentication; the hash check catches a changed plaintext byte; key backups round-trip and
 * refuse a wrong passphrase or a damaged file; keys kept in IndexedDB survive a reload, wrapped
 * by a non-extractable WebCrypto key, and are not visible to another browser profile.
 */
import t from 'tap';
import type { Page } from 'playwright-core';
import { launchBrowser, newPage } from '../../test/lib/portal.js';
import { serveHarness } from '../../test/lib/harness.js';

async function call<T>(page: Page, fn: string, ...args: unknown[]): Promise<T> {
  return page.evaluate(
    ([name, a]) => (globalThis as unknown as { harness: Record<string, (...x: unknown[]) => unknown> }).harness[name as string]!(...(a as unknown[])),
    [fn, args] as const,
  ) as Promise<T>;
}

async function open(page: Page, base: string): Promise<void> {
  await page.goto(`${base}/data-crypto.html`);
  await page.waitForFunction(() => (globalThis as unknown as { document: { body: { dataset: { ready?: string } } } }).document.body.dataset.ready === 'true');
}

t.test('browser crypto of encrypted documents', async (t) => {
  const base = await serveHarness(t);
  const browser = await launchBrowser(t);
  const { page, consoleErrors } = await newPage(browser);
  await open(page, base);

  const small = await call<Record<string, unknown>>(page, 'roundTrip', 4096);
  t.match(small, { inline: true, threshold: 2, shares: 3, ownerEqual: true, ownerVerified: true, nodesEqual: true, nodesVerified: true, ciphertextLonger: 40, noPlaintextOnChain: true }, 'a 4 KiB document: inline, opened by its owner and by any 2 of 3 node shares');
  t.same(small.meta, { name: 'scan.pdf', contentType: 'application/pdf' }, 'its name and type as metadata');
  const large = await call<Record<string, unknown>>(page, 'roundTrip', 3 * 1024 * 1024);
  t.match(large, { inline: false, ownerEqual: true, ownerVerified: true, nodesEqual: true, nodesVerified: true, ciphertextLonger: 40 }, 'a 3 MiB document: a blob, same round trip');
  t.ok((large.ms as number) < 20_000, `3 MiB sealed and opened three ways in ${String(large.ms)} ms`);

  t.same(
    await call(page, 'wrongKey'),
    { strangerOwnerKey: 'OWNER_KEY_MISMATCH', otherVersionsKey: 'DECRYPT_FAILED', tooFewShares: 'DECRYPT_FAILED', otherRecord: 'DECRYPT_FAILED' },
    "a stranger's sealing key, another version's key, t − 1 shares and another record's context all fail",
  );
  t.same(await call(page, 'tampered', 100_000), ['DECRYPT_FAILED', 'DECRYPT_FAILED', 'DECRYPT_FAILED', 'DECRYPT_FAILED'], 'one flipped bit in the nonce, the body or the tag fails authentication');
  t.same(await call(page, 'hashCheck'), { same: true, oneByteChanged: false, lyingHashVerified: false, lyingHashExpected: '11'.repeat(32), lyingHashGot: true }, 'the hash check catches a changed byte and a recorded hash that is not the plaintext’s');

  t.same(
    await call(page, 'releaseErrors'),
    { all: 'NOT_GRANTED', expired: 'GRANT_EXPIRED', partial: { code: 'THRESHOLD_NOT_REACHED', details: { released: 1, threshold: 2, asked: 3, answered: 2, reachable: 3 } } },
    'a refused key release reads as the nodes’ common refusal, or as how many of how many nodes answered',
  );

  const backup = await call<Record<string, unknown>>(page, 'backup', 'correct horse battery staple');
  t.match(
    backup,
    { same: true, signs: true, tenant: 'tenant-1', privateKeyInFile: false, wrongPassphrase: 'BACKUP_PASSPHRASE', tamperedPublic: 'BACKUP_PASSPHRASE', notABackup: 'BACKUP_MALFORMED', shortPassphrase: 'BACKUP_PASSPHRASE_SHORT' },
    'a backup restores the same keys; a wrong passphrase, a changed public key, a damaged file and a short passphrase are refused',
  );

  const stored = await call<{ publicKey: string; sealPublicKey: string; signingKeyHex: string }>(page, 'store', 'user-1');
  await page.reload();
  await open(page, base);
  const loaded = await call<Record<string, unknown> | null>(page, 'load', 'user-1', stored.signingKeyHex);
  t.match(
    loaded,
    { publicKey: stored.publicKey, sealPublicKey: stored.sealPublicKey, sameKey: true, signerPublic: stored.publicKey, registration: { status: 'registered', memberId: 't-1' }, wrapKeyExtractable: false, wrapKeyType: 'secret', plaintextKeyStored: false },
    'after a reload the same keys load from IndexedDB, wrapped by a non-extractable key, never stored in the clear',
  );
  t.equal(await call(page, 'load', 'nobody', ''), null, 'another user has no keys here');

  const other = await newPage(browser);
  await open(other.page, base);
  t.equal(await call(other.page, 'load', 'user-1', stored.signingKeyHex), null, 'another browser profile does not see them');
  t.same(consoleErrors, [], 'no console errors');
});
