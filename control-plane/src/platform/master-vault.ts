/** The KeyVault over the master key (src/keys/custody.ts), and where the master key comes from. */
import { existsSync, writeFileSync } from 'node:fs';
import { MasterKey, openPrivateKey, sealPrivateKey } from '../keys/custody.js';
import type { KeyVault } from '../provisioning/vault.js';

export function masterVault(master: MasterKey): KeyVault {
  return {
    seal: (privateKey, context) => sealPrivateKey(master, privateKey, context),
    open: (sealed, context) => openPrivateKey(master, sealed, context).bytes(),
  };
}

/**
 * KONSORTIUM_MASTER_KEY (base64url, 32 bytes) or KONSORTIUM_MASTER_KEY_FILE when set; otherwise `file`, created with fresh
 * random bytes (mode 0600) on the first start. In production the key belongs in a secret store
 * and the environment, never next to the data it protects.
 */
export function loadMasterKey(file: string, env: NodeJS.ProcessEnv = process.env): { key: MasterKey; source: 'env' | 'file' | 'generated' } {
  if ((env.KONSORTIUM_MASTER_KEY ?? '') !== '' || (env.KONSORTIUM_MASTER_KEY_FILE ?? '') !== '') return { key: MasterKey.fromEnv(env), source: 'env' };
  if (existsSync(file)) return { key: MasterKey.fromFile(file), source: 'file' };
  const key = MasterKey.generate();
  writeFileSync(file, `${key.exportBase64Url()}\n`, { mode: 0o600, flag: 'wx' });
  return { key, source: 'generated' };
}
