import { createHash, randomBytes } from 'node:crypto';

/**
 * Single-use and refresh tokens: 256 random bits, base64url. Only their SHA-256 is stored — with this
 * much entropy a fast hash is enough, and a database leak yields nothing usable.
 */
export function newSecureToken(): { token: string; hash: Buffer } {
  const token = randomBytes(32).toString('base64url');
  return { token, hash: hashSecureToken(token) };
}

export function hashSecureToken(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

/** Emails compare case-insensitively: stored and looked up trimmed, NFC-normalised and lower-cased. */
export function normaliseEmail(email: string): string {
  return email.trim().normalize('NFC').toLowerCase();
}
