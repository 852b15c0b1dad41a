import { Inject, Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { AuditLog, ConfigValidationError } from '@user-engine/kernel';
import { accountConfig, type AccountConfig } from '../account.config';
import { AuthErrors } from '../account.errors';
import type { ThrottleSettings } from '../domain/throttle/throttle-policy';
import { LoginThrottleStore, type ThrottleKey } from './login-throttle.store';

export interface AttemptSubject {
  /** Normalised email the attempt names (whether or not an account has it). */
  email: string;
  ip: string;
}

const HOUR = 3_600_000;

/** The email is hashed: the table holds no address (and none of accounts that do not exist). */
function emailKey(email: string): string {
  return createHash('sha256').update(email).digest('base64url').slice(0, 32);
}

/**
 * IPv4 as is; IPv6 by its /64 — one subscriber usually holds a whole /64, so counting single
 * addresses would let one client rotate through billions of them.
 */
export function clientKey(ip: string): string {
  if (!ip.includes(':') || /^::ffff:\d+\.\d+\.\d+\.\d+$/i.test(ip)) return ip.replace(/^::ffff:/i, '');
  const [head, tail = ''] = ip.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = ip.includes('::') ? [...left, ...Array(8 - left.length - right.length).fill('0'), ...right] : left;
  return `${groups
    .slice(0, 4)
    .map((g) => (parseInt(g || '0', 16) || 0).toString(16))
    .join(':')}::/64`;
}

/**
 * Brute-force protection for password checks (login, password change): progressive delay per
 * account and IP, a ceiling per account across IPs, and one per IP across accounts. Each attempt is
 * counted as a failure before the password is checked (atomically with the check of the limits) and
 * un-counted when it succeeds; a refused attempt checks no password and is not counted, so
 * hammering cannot extend a block.
 */
@Injectable()
export class LoginThrottle {
  private readonly settings: ThrottleSettings;

  constructor(
    private readonly store: LoginThrottleStore,
    private readonly audit: AuditLog,
    @Inject(accountConfig.KEY) config: AccountConfig,
  ) {
    if (config.loginWindow < HOUR) {
      // The ceiling is "per window"; a shorter window would allow more than it per hour.
      throw new ConfigValidationError([{ variable: 'ACCOUNT_LOGIN_WINDOW', message: 'must be at least 1h' }]);
    }
    this.settings = {
      freeAttempts: config.loginFreeAttempts,
      maxDelayMs: config.loginMaxDelay,
      windowMs: config.loginWindow,
      maxPerAccount: config.loginMaxFailuresPerAccount,
      maxPerIp: config.loginMaxFailuresPerIp,
      maxMailsPerAddress: config.mailMaxPerAddress,
      maxMailsPerIp: config.mailMaxPerIp,
    };
  }

  private keys(subject: AttemptSubject): ThrottleKey[] {
    const account = emailKey(subject.email);
    const ip = clientKey(subject.ip);
    return [
      { key: `ai:${account}:${ip}`, kind: 'account_ip' },
      { key: `a:${account}`, kind: 'account' },
      { key: `i:${ip}`, kind: 'ip' },
    ];
  }

  /**
   * Counts a request that sends mail to `email` (sign-up, resend, reset) — the same for every
   * address, existing or not — or refuses it with 429 + Retry-After.
   */
  async mailRequest(subject: AttemptSubject): Promise<void> {
    const verdict = await this.store.attempt(
      [
        { key: `m:${emailKey(subject.email)}`, kind: 'mail_address' },
        { key: `mi:${clientKey(subject.ip)}`, kind: 'mail_ip' },
      ],
      this.settings,
    );
    if (!verdict.allowed) throw AuthErrors.tooManyRequests(Math.ceil(verdict.retryAfterMs / 1000));
  }

  /**
   * Admits an attempt (counting it) or refuses it with 429 + Retry-After. Returns how long a
   * lock-out this attempt starts should it fail (0: none), for the audit trail.
   */
  async begin(subject: AttemptSubject, client: { userAgent: string | null }): Promise<{ lockedOutFor: number }> {
    const verdict = await this.store.attempt(this.keys(subject), this.settings);
    if (verdict.allowed) return { lockedOutFor: verdict.lockedOutFor };
    const seconds = Math.ceil(verdict.retryAfterMs / 1000);
    await this.audit.append(
      {
        actor: { type: 'anonymous' },
        action: 'auth.login.throttled',
        outcome: 'denied',
        ip: subject.ip,
        userAgent: client.userAgent,
        data: { limit: verdict.blockedBy, retry_after_s: seconds },
      },
      { separate: true },
    );
    throw AuthErrors.tooManyAttempts(seconds);
  }

  /** The attempt was right: the account's counters are cleared (not the IP's). */
  succeeded(subject: AttemptSubject): Promise<void> {
    return this.store.succeeded(this.keys(subject), this.settings);
  }

  sweep(): Promise<number> {
    return this.store.sweep(this.settings.windowMs);
  }
}
