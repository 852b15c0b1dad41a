import { Inject, Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { AuditLog, ConfigValidationError } from '@user-engine/kernel';
import { accountConfig, type AccountConfig } from '../account.config';
import { AuthErrors } from '../account.errors';
import { blockAfterFailure, retryAfterMs, ThrottleKind, ThrottleSettings } from '../domain/throttle/throttle-policy';
import { LoginThrottleStore } from './login-throttle.store';

export interface AttemptSubject {
  /** Normalised email the attempt names (whether or not an account has it). */
  email: string;
  ip: string;
}

const HOUR = 3_600_000;

/**
 * Brute-force protection for password checks (login, password change): progressive delay per
 * account and IP, a ceiling per account across IPs, and one per IP across accounts. A refused
 * attempt is not counted and checks no password, so hammering cannot extend a block.
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

  private keys(subject: AttemptSubject): Record<ThrottleKind, string> {
    // The email is hashed: the table holds no address (and none of accounts that do not exist).
    const account = createHash('sha256').update(subject.email).digest('base64url').slice(0, 32);
    return { account_ip: `ai:${account}:${subject.ip}`, account: `a:${account}`, ip: `i:${subject.ip}` };
  }

  /** Refuses with 429 + Retry-After while any counter of the subject blocks; records the lock-out. */
  async assertAllowed(subject: AttemptSubject, audit: { userAgent: string | null }): Promise<{ hadFailures: boolean }> {
    const keys = this.keys(subject);
    const states = await this.store.read(Object.values(keys));
    const now = Date.now();
    let wait = 0;
    let by: ThrottleKind | undefined;
    for (const kind of Object.keys(keys) as ThrottleKind[]) {
      const ms = retryAfterMs(states.get(keys[kind]), now);
      if (ms > wait) [wait, by] = [ms, kind];
    }
    if (wait > 0) {
      await this.audit.append(
        {
          actor: { type: 'anonymous' },
          action: 'auth.login.throttled',
          outcome: 'denied',
          ip: subject.ip,
          userAgent: audit.userAgent,
          data: { limit: by, retry_after_s: Math.ceil(wait / 1000) },
        },
        { separate: true },
      );
      throw AuthErrors.tooManyAttempts(Math.ceil(wait / 1000));
    }
    return { hadFailures: states.has(keys.account) || states.has(keys.account_ip) };
  }

  /** Counts a failed attempt against every counter; returns whether it started a lock-out. */
  async recordFailure(subject: AttemptSubject): Promise<{ lockedOutFor?: number }> {
    const keys = this.keys(subject);
    let longest = 0;
    for (const kind of Object.keys(keys) as ThrottleKind[]) {
      const state = await this.store.increment(keys[kind], this.settings.windowMs);
      const until = blockAfterFailure(kind, state, state.now, this.settings);
      if (until !== null) {
        await this.store.block(keys[kind], until);
        longest = Math.max(longest, until - state.now);
      }
    }
    return longest > 0 ? { lockedOutFor: longest } : {};
  }

  /** A successful sign-in clears the account's counters (not the IP's). */
  async recordSuccess(subject: AttemptSubject): Promise<void> {
    const keys = this.keys(subject);
    await this.store.clear([keys.account, keys.account_ip]);
  }

  sweep(): Promise<number> {
    return this.store.sweep(this.settings.windowMs);
  }
}
