import { dictionary } from '@zxcvbn-ts/language-common';

export type PasswordProblem =
  | { code: 'ACCOUNT.PASSWORD_TOO_SHORT'; message: string }
  | { code: 'ACCOUNT.PASSWORD_TOO_LONG'; message: string }
  | { code: 'ACCOUNT.PASSWORD_TOO_COMMON'; message: string };

export interface PasswordPolicyOptions {
  /** Minimum length in characters (code points). NIST 800-63B: at least 8. */
  minLength: number;
  /** Maximum accepted length; at least 64 must be allowed. */
  maxLength?: number;
}

/**
 * The bundled blocklist: the ranked common-password list of @zxcvbn-ts/language-common (about 49,000
 * entries, compiled from leaked-password corpora), compared case-insensitively.
 */
const COMMON = new Set((dictionary['passwords-common'] as string[]).map((p) => p.toLowerCase()));

export const BLOCKLIST_SIZE = COMMON.size;

/**
 * NIST 800-63B / ASVS 6.2 rules: a length range and a blocklist of common passwords — no
 * composition rules (no "one digit, one symbol"), no silent trimming.
 */
export class PasswordPolicy {
  private readonly maxLength: number;

  constructor(private readonly options: PasswordPolicyOptions) {
    this.maxLength = options.maxLength ?? 256;
    if (options.minLength < 8) throw new RangeError('the minimum password length cannot be below 8');
    if (this.maxLength < 64 || this.maxLength < options.minLength)
      throw new RangeError('the maximum password length must allow at least 64');
  }

  /** The first rule the password breaks, or undefined when it is acceptable. */
  check(password: string, context: { email?: string } = {}): PasswordProblem | undefined {
    const length = [...password].length;
    if (length < this.options.minLength) {
      return { code: 'ACCOUNT.PASSWORD_TOO_SHORT', message: `password must be at least ${this.options.minLength} characters` };
    }
    if (length > this.maxLength) {
      return { code: 'ACCOUNT.PASSWORD_TOO_LONG', message: `password must be at most ${this.maxLength} characters` };
    }
    const lower = password.toLowerCase();
    const email = context.email?.toLowerCase();
    if (COMMON.has(lower) || (email && (lower === email || lower === email.split('@')[0]))) {
      return { code: 'ACCOUNT.PASSWORD_TOO_COMMON', message: 'password is too common or too easy to guess' };
    }
    return undefined;
  }
}
