import { randomBytes } from 'node:crypto';
import { hashSecureToken } from '@user-engine/kernel';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
/** 256 random bits need 43 base62 characters (62^43 > 2^256). */
const SECRET_CHARS = 43;
/** What an API key looks like: `ue_<env>_<43 base62 characters>` (letters and digits only, so it selects with a double click). */
export const API_KEY_FORMAT = /^ue_([a-z0-9]{1,16})_([0-9A-Za-z]{43})$/;
/** Characters of the random part kept (with `ue_<env>_`) as the key's displayable prefix. */
const PREFIX_CHARS = 8;

function base62(bytes: Buffer): string {
  let n = BigInt(`0x${bytes.toString('hex')}`);
  let out = '';
  while (n > 0n) {
    out = BASE62[Number(n % 62n)] + out;
    n /= 62n;
  }
  return out.padStart(SECRET_CHARS, '0');
}

/** A new API key: the secret (shown once), its displayable prefix, and the SHA-256 that is stored. */
export function newApiKeySecret(environment: string): { secret: string; prefix: string; hash: Buffer } {
  const random = base62(randomBytes(32));
  const secret = `ue_${environment}_${random}`;
  return { secret, prefix: `ue_${environment}_${random.slice(0, PREFIX_CHARS)}`, hash: hashSecureToken(secret) };
}

/** The displayable prefix of something presented as a key (for the audit log), or null when it is no key at all. */
export function apiKeyPrefix(presented: string): string | null {
  const m = API_KEY_FORMAT.exec(presented);
  return m ? `ue_${m[1]}_${m[2].slice(0, PREFIX_CHARS)}` : null;
}
