import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { PeriodicJob, Scopes, UnitOfWork } from '@user-engine/kernel';
import { accountConfig, type AccountConfig } from './account.config';
import { LoginThrottle } from './auth/login-throttle';
import { CLOCK_SKEW_MS } from './tokens/signing-keys';

/**
 * Forgets what can no longer matter: used or expired mail tokens, sessions dead for a week (with
 * their refresh tokens), throttle counters whose window ended, and retired signing keys no token
 * can still need (their encrypted private keys with them).
 */
@Injectable()
export class AccountHousekeeping implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('AccountHousekeeping');
  private readonly job = new PeriodicJob('account housekeeping', 600_000, () => this.sweep(), this.logger);

  constructor(
    private readonly uow: UnitOfWork,
    private readonly throttle: LoginThrottle,
    @Inject(accountConfig.KEY) private readonly config: AccountConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.job.start();
  }

  beforeApplicationShutdown(): Promise<void> {
    return this.job.stop();
  }

  async sweep(): Promise<void> {
    try {
      await this.uow.run(Scopes.global, async (m) => {
        await m.query(`DELETE FROM account.email_tokens WHERE expires_at < now() - interval '1 day'`);
        await m.query(
          `DELETE FROM account.sessions
            WHERE LEAST(COALESCE(revoked_at, 'infinity'), idle_expires_at, absolute_expires_at) < now() - interval '7 days'`,
        );
        await m.query(
          `DELETE FROM account.signing_keys WHERE retired_at < now() - $1::bigint * interval '1 millisecond' - interval '1 day'`,
          [this.config.accessTokenTtl + CLOCK_SKEW_MS],
        );
      });
      await this.throttle.sweep();
    } catch (err) {
      this.logger.warn(`housekeeping failed: ${(err as Error).message}`);
    }
  }
}
