/**
 * The access-token signing key ring, sealed by the master key and kept in the database
 * (`platform_secrets`), so every process of the control plane — API replicas, workers, on any
 * machine — signs and verifies with the same key, and tokens survive restarts. The first
 * process to start makes it; a race between two first starts is settled by the primary key
 * (the loser reads the winner's key). A data directory from before the key moved to the
 * database (`jwt-signing-key.sealed`) hands its key over, so existing tokens stay valid.
 */
import { existsSync, readFileSync } from 'node:fs';
import { exportPrivateJwk, generateSigningKey, importSigningKey, KeyRing } from '../auth/keys.js';
import type { PrismaClient } from '../db/prisma.js';
import type { KeyVault } from '../provisioning/vault.js';

const CONTEXT = 'konsortium/jwt-signing-key/v1';
const NAME = 'jwt-signing-key';

export async function loadKeyRing(db: PrismaClient, vault: KeyVault, legacyFile?: string): Promise<KeyRing> {
  let row = await db.platformSecret.findUnique({ where: { name: NAME } });
  if (row === null) {
    let sealed: Uint8Array;
    if (legacyFile !== undefined && existsSync(legacyFile)) {
      sealed = new Uint8Array(readFileSync(legacyFile));
    } else {
      const key = await generateSigningKey();
      sealed = vault.seal(new TextEncoder().encode(JSON.stringify({ ...exportPrivateJwk(key), kid: key.kid })), CONTEXT);
    }
    await db.platformSecret.createMany({ data: [{ name: NAME, sealed: Buffer.from(sealed) }], skipDuplicates: true });
    row = await db.platformSecret.findUniqueOrThrow({ where: { name: NAME } });
  }
  const jwk = JSON.parse(new TextDecoder().decode(vault.open(new Uint8Array(row.sealed), CONTEXT))) as Parameters<typeof importSigningKey>[0] & { kid?: string };
  return new KeyRing(await importSigningKey(jwk, jwk.kid === undefined ? {} : { kid: jwk.kid }));
}
