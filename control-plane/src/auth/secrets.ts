/**
 * Random bearer secrets and their digests. A bearer secret is stored only as its SHA-256: the
 * secrets carry 256 bits of entropy, so a fast hash is enough (a slow KDF is for passwords).
 * The digest is taken over the secret's text, not its decoded bytes: base64url of 32 bytes has
 * 4 spare bits in the last character, so two different strings can decode to the same bytes,
 * and a changed character must never be accepted.
 */
import { createHash, randomBytes } from 'node:crypto';

/** Bytes of entropy in every refresh token and API key secret. */
export const SECRET_BYTES = 32;

/** base64url without padding of SECRET_BYTES random bytes (43 characters). */
export function randomSecret(): string {
  return randomBytes(SECRET_BYTES).toString('base64url');
}

/** The exact shape randomSecret produces. */
export const SECRET_PATTERN = /^[A-Za-z0-9_-]{43}$/;

/** Hex SHA-256 of the secret's UTF-8 text: what repositories store and look up. */
export function secretDigest(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}
