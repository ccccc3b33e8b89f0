/**
 * Encrypted data exchange in Chromium against the `npm start` stack, with two tenants in two
 * browser contexts. Each sets up its browser identity through the UI (keys made in the browser,
 * the public key registered through the control plane with its progress shown, then confirmed
 * on chain); the second tenant backs its keys up and restores them in a third browser context.
 * The demo tenant uploads a 3 MiB document (read, encrypted, sent to the nodes and recorded, with
 * progress) and grants it to the second tenant, who downloads it: key shares released by the
 * nodes, decrypted in the browser, the hash verified against the chain, the saved file equal
 * to the original. The owner revokes; the reader is then refused with a coded error; the access
 * log shows the releases. The document's chain state is read independently through the gateway
 * (with proofs) to check what the UI says. Every main screen passes axe-core in en/ru/zh.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import t, { type Test } from 'tap';
import type { Page } from 'playwright-core';
import { demoCredentials, norm, stackApi } from '../lib/portal-api.js';
import { checkScreen, launchBrowser, newPage, signIn, startPortalStack } from '../lib/portal.js';
import { waitFor } from '../lib/process.js';

const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

const FILE_NAME = 'board-minutes.pdf';
const RECORD = 'board-minutes.pdf';
const PASSPHRASE = 'volga leasing backup 2026';

/** Sets up the browser identity through the keys screen and waits for it to be on chain. */
async function createKeys(t: Test, page: Page, url: string, where: string): Promise<void> {
  await page.goto(`${url}${where}`);
  await page.getByRole('button', { name: 'Create my keys in this browser' }).click();
  // The registration's progress (operation progress, then the chain check) is shown while it runs.
  const progress = page.locator('progress');
  await progress.first().waitFor({ timeout: 30_000 }).catch(() => undefined);
  await page.getByText('Registered on the ledger', { exact: true }).waitFor({ timeout: 180_000 });
  t.match(norm(await page.locator('.banner.success').first().innerText()), /This browser signs for .+ \(t-[0-9a-f]+\)/, 'the key is registered for the tenant’s member');
}

t.test('encrypted data in the portal: keys, upload, grant, download, revoke, access log', async (t) => {
  const stack = await startPortalStack(t);
  const demo = await demoCredentials(stack.dataDir);

  // ---- setup through the API (not what this test is about) -------------------------------
  const api = stackApi(stack);
  const readerCreds = { email: 'it@volga-leasing.example', password: 'volga-leasing-password-1' };
  const created = await api.createTenant('Volga Leasing', readerCreds);
  t.equal(created.status, 201, 'a second tenant is created through the API');
  await Promise.all([api.onboarded(demo.tenantId), api.onboarded(created.body.tenant.id)]);
  const ownerMember = await api.memberOf(demo.tenantId);
  const readerMember = created.body.tenant.memberId;

  // The chain, read independently of the UI (through the gateway, every value proven).
  const { endpoints, node } = await api.ledgerNode();
  const CH = endpoints.channels[0]!;
  const proven = async <T>(key: string): Promise<T | null> => {
    const e = await node.getVerifiedState(CH, key);
    return e.value === null ? null : (JSON.parse(new TextDecoder().decode(e.value)) as T);
  };

  const browser = await launchBrowser(t);
  const owner = await newPage(browser);
  // The reader keeps the portal's real CSP: the whole read path runs under it.
  const reader = await newPage(browser);
  owner.page.setDefaultTimeout(60_000);
  reader.page.setDefaultTimeout(60_000);
  await signIn(owner.page, stack.url, demo.email, demo.password);
  await signIn(reader.page, stack.url, readerCreds.email, readerCreds.password);

  // ---- browser identities --------------------------------------------------------------
  await t.test('each tenant makes its keys in the browser and registers them', async (t) => {
    await owner.page.goto(`${stack.url}/data/upload`);
    await owner.page.getByRole('heading', { name: 'Your keys are needed' }).waitFor();
    t.pass('a screen that signs asks for keys first');
    await createKeys(t, owner.page, stack.url, '/data/keys');
    await createKeys(t, reader.page, stack.url, '/data/keys');
    const ids = (await api.asAdmin<{ items: { custody: string; registered: boolean; publicKey: string }[] }>('GET', `/v1/tenants/${demo.tenantId}/identities`)).body.items;
    const self = ids.filter((i) => i.custody === 'self');
    t.equal(self.length, 1, 'the demo tenant now has one self-custody key besides its custodial one');
    t.equal(self[0]!.registered, true);
    t.match(await proven(`gov/key/${self[0]!.publicKey}`), { member: ownerMember }, 'on chain, for the tenant’s member');
    const shown = await owner.page.locator('dl.facts dd code').first().innerText();
    t.equal(shown, self[0]!.publicKey, 'the keys screen shows the registered public key');
  });

  await t.test('a key backup moves the reader’s keys to another browser', async (t) => {
    await reader.page.getByLabel('Passphrase', { exact: true }).fill('too short');
    await reader.page.getByLabel('Passphrase again').fill('too short');
    await reader.page.getByRole('button', { name: 'Download the backup' }).click();
    t.ok(await reader.page.getByText('The passphrase needs at least 12 characters.').isVisible(), 'a short passphrase is refused next to the field');
    await reader.page.getByLabel('Passphrase', { exact: true }).fill(PASSPHRASE);
    await reader.page.getByLabel('Passphrase again').fill(PASSPHRASE);
    const [download] = await Promise.all([reader.page.waitForEvent('download'), reader.page.getByRole('button', { name: 'Download the backup' }).click()]);
    const backup = readFileSync((await download.path())!);
    const parsed = JSON.parse(backup.toString('utf8')) as { format: string; tenantId: string; publicKey: string };
    t.match(parsed, { format: 'konsortium.identity-backup', tenantId: created.body.tenant.id }, 'a backup file is downloaded');
    const third = await newPage(browser);
    await signIn(third.page, stack.url, readerCreds.email, readerCreds.password);
    await third.page.goto(`${stack.url}/data/keys`);
    await third.page.getByLabel('Backup file').setInputFiles({ name: 'keys.json', mimeType: 'application/json', buffer: backup });
    await third.page.getByLabel('Passphrase of the backup').fill('a wrong passphrase!');
    await third.page.getByRole('button', { name: 'Restore keys' }).click();
    t.match(await third.page.getByRole('alert').innerText(), /The passphrase does not open this backup[\s\S]*BACKUP_PASSPHRASE/, 'a wrong passphrase is refused with its code');
    await third.page.getByLabel('Passphrase of the backup').fill(PASSPHRASE);
    await third.page.getByRole('button', { name: 'Restore keys' }).click();
    await third.page.getByText('Registered on the ledger', { exact: true }).waitFor();
    t.equal(await third.page.locator('dl.facts dd code').first().innerText(), parsed.publicKey, 'the other browser now holds the same registered key');
    await third.context.close();
  });

  // ---- upload ---------------------------------------------------------------------------
  const content = new Uint8Array(randomBytes(3 * 1024 * 1024 + 12345));
  await t.test('the owner uploads a 3 MiB document: encrypted in the browser, with progress', async (t) => {
    const p = owner.page;
    await p.goto(`${stack.url}/data/upload`);
    await p.getByRole('button', { name: 'Encrypt and upload' }).click();
    t.ok(await p.getByText('Choose a file.').isVisible(), 'no file: the form says so and sends nothing');
    await p.getByLabel('File', { exact: true }).setInputFiles({ name: FILE_NAME, mimeType: 'application/pdf', buffer: Buffer.from(content) });
    t.equal(await p.getByLabel('Document id').inputValue(), RECORD, 'the document id is suggested from the file name');
    await p.getByLabel('Collection (optional)').fill('Board papers');
    await p.getByRole('button', { name: 'Encrypt and upload' }).click();
    t.ok(await p.getByText('Use lowercase letters, digits, dots, dashes and underscores, starting with a letter or a digit (128 at most).').isVisible(), 'a bad collection id is refused next to the field');
    await p.getByLabel('Collection (optional)').fill('board-papers');
    // A slow uplink (1 MB/s) so that the upload of the ciphertext to the nodes takes a while.
    const cdp = await p.context().newCDPSession(p);
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 20, downloadThroughput: 50 * 1024 * 1024, uploadThroughput: 1024 * 1024 });
    await p.getByRole('button', { name: 'Encrypt and upload' }).click();
    const panel = p.getByRole('region', { name: 'Progress' });
    await panel.locator('progress').waitFor();
    await panel.getByText(/Ciphertext stored on [0-2] of 3 nodes\./).waitFor();
    const value = Number(await panel.locator('progress').getAttribute('value'));
    t.ok(value > 0.2 && value < 0.9, `a progress bar shows the upload to the nodes (${value.toFixed(2)})`);
    t.equal(await panel.locator('[aria-current=step]').innerText(), 'Sending the ciphertext to the nodes', 'the current step is marked');
    await p.getByRole('button', { name: 'Cancel upload' }).click();
    await p.getByText('Upload cancelled. Nothing was written to the ledger.').waitFor();
    t.equal(await proven(`data/rec/${RECORD}`), null, 'cancelled during the upload: nothing on chain');
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
    await cdp.detach();
    await p.getByRole('button', { name: 'Encrypt and upload' }).click();
    await panel.locator('progress').waitFor();
    t.pass('uploaded again at full speed');
    const done = p.locator('.banner.success');
    await done.waitFor({ timeout: 120_000 });
    t.match(norm(await done.innerText()), new RegExp(`${RECORD.replace('.', '\\.')} version 1 \\(3 MB\\) is committed in block \\d+; its ciphertext is on 3 nodes\\.`), 'the document is committed, its ciphertext on the nodes');
    const version = await proven<{ plaintextHash: string; size: number; body: { blob?: { hash: string; size: number } }; threshold: number; shares: unknown[]; meta: { name: string } }>(`data/ver/${RECORD}/1`);
    t.equal(version?.plaintextHash, sha256(content), 'on chain: the hash of the original file');
    t.equal(version?.size, content.length);
    t.equal(version?.body.blob?.size, content.length + 40, 'and the hash of its ciphertext blob (nonce and tag added)');
    t.match(version, { threshold: 2, meta: { name: FILE_NAME } });
    t.equal(version?.shares.length, 3, 'the data key split among the three nodes');
    t.match(await proven(`data/rec/${RECORD}`), { owner: ownerMember, collection: 'board-papers', versions: 1 });
  });

  await t.test('the owner grants the document to the second tenant', async (t) => {
    const p = owner.page;
    await p.getByRole('link', { name: 'Open the document' }).click();
    await p.getByRole('heading', { level: 1, name: FILE_NAME }).waitFor();
    await p.getByLabel('Member id').fill('t-000000000000');
    await p.getByRole('button', { name: 'Grant access' }).click();
    await p.getByText('There is no such member on the ledger.').waitFor();
    t.pass('an unknown member is refused next to the field');
    await p.getByLabel('Member id').fill(readerMember);
    await p.getByRole('button', { name: 'Grant access' }).click();
    await p.getByText(`Access granted to ${readerMember}.`, { exact: false }).waitFor();
    t.match(await proven(`data/grant/rec:${RECORD}/member:${readerMember}`), { grantee: { member: readerMember }, grantedBy: ownerMember, expiresAt: null }, 'the grant is on chain');
    await p.getByRole('cell', { name: readerMember, exact: true }).waitFor();
    t.pass('and in the access table');
  });

  await t.test('the reader finds it shared, downloads and decrypts it, the hash verified', async (t) => {
    const p = reader.page;
    await p.goto(`${stack.url}/data`);
    const link = p.getByRole('link', { name: new RegExp(`^${FILE_NAME.replace('.', '\\.')}`) });
    await link.waitFor({ timeout: 60_000 });
    t.match(norm(await p.getByRole('table', { name: /shared with you/ }).innerText()), new RegExp(ownerMember), 'in “Shared with me”, with its owner');
    await link.click();
    await p.getByRole('button', { name: 'Download version 1' }).click();
    await p.getByRole('button', { name: 'Download and decrypt' }).click();
    const ok = p.locator('.banner.success', { hasText: 'Hash verified' });
    await ok.waitFor({ timeout: 120_000 });
    t.match(norm(await ok.innerText()), /Decrypted 3 MB with the key rebuilt from the nodes’ shares\. The SHA-256 of the file matches the hash on the ledger\./, 'the UI says the hash is verified');
    t.match(norm(await ok.innerText()), new RegExp(`SHA-256: ${sha256(content)}`));
    t.match(norm(await p.getByText(/^Key shares:/).innerText()), /Key shares: 2 of the 2 needed\. 2 of 2 nodes asked have answered \(3 nodes hold a share\)\./, 't of n shares, node by node');
    t.equal(await p.getByRole('table', { name: 'What each node answered' }).getByText('Share released').count(), 2);
    const [download] = await Promise.all([p.waitForEvent('download'), p.getByRole('button', { name: `Save “${FILE_NAME}”` }).click()]);
    t.equal(download.suggestedFilename(), FILE_NAME);
    t.equal(sha256(readFileSync((await download.path())!)), sha256(content), 'the saved file is the original');
  });

  await t.test('the owner revokes; the reader is refused; the access log shows the releases', async (t) => {
    const o = owner.page;
    await o.reload();
    await o.getByRole('button', { name: `Revoke access of ${readerMember}` }).click();
    await o.getByText(`Access of ${readerMember} is revoked`, { exact: false }).waitFor();
    t.equal(await proven(`data/grant/rec:${RECORD}/member:${readerMember}`), null, 'the grant is gone from the chain');
    await o.getByText('Access was revoked after the latest version was written.', { exact: false }).waitFor();
    t.pass('the owner is told to upload a new version under a new key');

    const r = reader.page;
    await r.getByRole('button', { name: 'Download and decrypt' }).click();
    const alert = r.getByRole('alert');
    await alert.waitFor({ timeout: 60_000 });
    t.match(norm(await alert.innerText()), /You have no access to this document\. Ask its owner to share it with you\..*NOT_GRANTED/, 'the reader is refused by the nodes, with the code');
    t.equal(await r.getByRole('table', { name: 'What each node answered' }).getByText('Refused: NOT_GRANTED').count(), 3, 'every node refused');

    await o.getByRole('link', { name: 'Access log' }).click();
    const table = o.getByRole('table', { name: `Key releases of ${RECORD}, newest first` });
    await waitFor(async () => ((await table.getByRole('row').count()) >= 3 ? true : undefined), { timeoutMs: 30_000, intervalMs: 500, what: 'the access log' });
    const text = norm(await table.innerText());
    t.match(text, new RegExp(readerMember), 'the reader’s releases are in the log');
    t.match(text, /Authorised/, 'recorded as authorised');
    t.notMatch(text, /Not authorised/, 'nothing released without a grant');
    const count = (await proven<number>(`data/logn/${RECORD}`))!;
    t.ok(count >= 2, `the chain logs ${count} releases`);
    t.match(norm(await o.getByText(/^Shares released:/).innerText()), new RegExp(`Shares released: ${count}; read requests: 1\\.`), 'the log counts match the chain');
  });

  await t.test('a new version after the revocation is under a new data key the reader cannot get', async (t) => {
    const o = owner.page;
    await o.goto(`${stack.url}/data/records/${RECORD}`);
    await o.getByRole('link', { name: 'Upload a new version' }).first().click();
    await o.getByRole('heading', { level: 1, name: 'New version' }).waitFor();
    const v2 = new Uint8Array(randomBytes(20_000));
    await o.getByLabel('File', { exact: true }).setInputFiles({ name: 'board-minutes-v2.pdf', mimeType: 'application/pdf', buffer: Buffer.from(v2) });
    await o.getByRole('button', { name: 'Encrypt and add the version' }).click();
    const done = o.locator('.banner.success');
    await done.waitFor({ timeout: 60_000 });
    t.match(norm(await done.innerText()), new RegExp(`${RECORD.replace('.', '\\.')} version 2 \\(19\\.5 kB\\) is committed in block \\d+\\.`), 'version 2 is committed (small: its ciphertext is in the transaction)');
    const [first, second] = await Promise.all([proven<{ commitments: string[] }>(`data/ver/${RECORD}/1`), proven<{ commitments: string[]; body: { inline?: string }; plaintextHash: string }>(`data/ver/${RECORD}/2`)]);
    t.not(second?.commitments[0], first?.commitments[0], 'under a new data key');
    t.ok(typeof second?.body.inline === 'string', 'inline on chain');
    t.equal(second?.plaintextHash, sha256(v2));
    await o.getByRole('link', { name: 'Open the document' }).click();
    await o.getByRole('button', { name: 'Download version 2' }).waitFor();
    const keys = await o.getByRole('table', { name: 'Versions of the document, newest first' }).locator('tbody tr td:nth-child(5)').allInnerTexts();
    t.equal(keys.length, 2, 'both versions are listed');
    t.not(keys[0], keys[1], 'with different key fingerprints');

    const r = reader.page;
    await r.reload();
    await r.getByRole('button', { name: 'Download version 2' }).click();
    await r.getByRole('button', { name: 'Download and decrypt' }).click();
    await r.getByRole('alert').waitFor({ timeout: 60_000 });
    t.match(norm(await r.getByRole('alert').innerText()), /NOT_GRANTED/, 'the revoked reader cannot read the new version');
  });

  // ---- every main screen in every language ------------------------------------------------
  await t.test('screens pass axe-core in en/ru/zh', async (t) => {
    const p = owner.page;
    await checkScreen(t, p, 'data-list', async () => {
      await p.goto(`${stack.url}/data`);
      await p.locator('table').first().waitFor();
      await p.locator('table a').first().waitFor();
    });
    await checkScreen(t, p, 'data-upload', async () => {
      await p.goto(`${stack.url}/data/upload`);
      await p.locator('form input[type=file]').waitFor();
    });
    await checkScreen(t, p, 'data-record', async () => {
      await p.goto(`${stack.url}/data/records/${RECORD}`);
      await p.locator('section.panel table').first().waitFor();
      await p.locator('table button').first().click();
    });
    await checkScreen(t, p, 'data-access-log', async () => {
      await p.goto(`${stack.url}/data/records/${RECORD}/log`);
      await p.locator('table tbody tr td').nth(2).waitFor();
    });
    await checkScreen(t, p, 'data-keys', async () => {
      await p.goto(`${stack.url}/data/keys`);
      await p.locator('dl.facts').waitFor();
    });
    const other = await newPage(browser);
    await signIn(other.page, stack.url, readerCreds.email, readerCreds.password);
    const r = other.page;
    await checkScreen(t, r, 'data-record-reader', async () => {
      await r.goto(`${stack.url}/data/records/${RECORD}`);
      await r.locator('table').first().waitFor();
      await r.locator('.banner.info').first().waitFor();
    });
    await other.page.context().close();
  });
  t.same(owner.consoleErrors, [], 'no console errors (owner)');
  t.same(reader.consoleErrors.filter((e) => !/status of 403/.test(e)), [], 'no console errors (reader) besides the nodes’ refusals');
});
