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
    };
  }

  private keys(subject: AttemptSubject): ThrottleKey[] {
    // The email is hashed: the table holds no address (and none of accounts that do not exist).
    const account = createHash('sha256').update(subject.email).digest('base64url').slice(0, 32);
    return [
      { key: `ai:${account}:${subject.ip}`, kind: 'account_ip' },
      { key: `a:${account}`, kind: 'account' },
      { key: `i:${subject.ip}`, kind: 'ip' },
    ];
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
