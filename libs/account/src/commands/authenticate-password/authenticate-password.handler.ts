import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { AccountAudit } from '../../account-audit';
import { AuthErrors, signInRefusal } from '../../account.errors';
import { LoginThrottle } from '../../auth/login-throttle';
import { PasswordHasher } from '../../domain/password/password-hasher';
import { normaliseEmail } from '../../domain/secure-token';
import { UsersRepository } from '../../persistence/users.repository';
import { toUserView, type UserView } from '../../queries/user.view';
import { AuthenticatePassword } from './authenticate-password.command';

/**
 * The password check of a login. Unknown email and wrong password cost the same (a dummy bcrypt
 * verification) and fail the same; the account's status is only revealed to someone who knows
 * the password. Throttling comes first and a refused attempt checks nothing.
 */
@CommandHandler(AuthenticatePassword)
export class AuthenticatePasswordHandler implements ICommandHandler<AuthenticatePassword, UserView> {
  constructor(
    private readonly users: UsersRepository,
    private readonly hasher: PasswordHasher,
    private readonly throttle: LoginThrottle,
    private readonly audit: AccountAudit,
  ) {}

  async execute(c: AuthenticatePassword): Promise<UserView> {
    const email = normaliseEmail(c.email);
    const subject = { email, ip: c.client.ip };
    const { hadFailures } = await this.throttle.assertAllowed(subject, c.client);
    const user = await this.users.findByEmail(email);
    const ok = user?.password_hash ? await this.hasher.verify(c.password, user.password_hash) : await this.hasher.verifyNothing(c.password);
    if (!user || !ok) {
      const { lockedOutFor } = await this.throttle.recordFailure(subject);
      // Failures are recorded in their own transactions: the login fails, the record stays.
      await this.audit.record('auth.login.failed', 'failure', {
        userId: user?.id,
        client: c.client,
        data: { reason: user ? 'wrong_password' : 'unknown_email' },
        actor: { type: 'anonymous' },
        separate: true,
      });
      if (lockedOutFor) {
        await this.audit.record('auth.lockout', 'denied', {
          userId: user?.id,
          client: c.client,
          data: { seconds: Math.ceil(lockedOutFor / 1000) },
          actor: { type: 'anonymous' },
          separate: true,
        });
      }
      throw AuthErrors.invalidCredentials();
    }
    if (hadFailures) await this.throttle.recordSuccess(subject);
    if (user.status !== 'active') {
      await this.audit.record('auth.login.refused', 'denied', {
        userId: user.id,
        client: c.client,
        data: { status: user.status },
        separate: true,
      });
      throw signInRefusal(user.status)!;
    }
    // The configured cost changed since this hash was made: replace it while the password is at hand.
    if (this.hasher.needsRehash(user.password_hash!)) await this.users.setPasswordHash(user.id, await this.hasher.hash(c.password));
    return toUserView(user);
  }
}
