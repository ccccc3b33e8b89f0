/** The access-token signing key ring, persisted sealed by the master key so tokens survive restarts. */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { exportPrivateJwk, generateSigningKey, importSigningKey, KeyRing } from '../auth/keys.js';
import type { KeyVault } from '../provisioning/vault.js';

const CONTEXT = 'konsortium/jwt-signing-key/v1';

export async function loadKeyRing(file: string, vault: KeyVault): Promise<KeyRing> {
  if (existsSync(file)) {
    const jwk = JSON.parse(new TextDecoder().decode(vault.open(new Uint8Array(readFileSync(file)), CONTEXT))) as Parameters<typeof importSigningKey>[0] & { kid?: string };
    return new KeyRing(await importSigningKey(jwk, jwk.kid === undefined ? {} : { kid: jwk.kid }));
  }
  const key = await generateSigningKey();
  const jwk = { ...exportPrivateJwk(key), kid: key.kid };
  writeFileSync(file, vault.seal(new TextEncoder().encode(JSON.stringify(jwk)), CONTEXT), { mode: 0o600, flag: 'wx' });
  return new KeyRing(key);
}
