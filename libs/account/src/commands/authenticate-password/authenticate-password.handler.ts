import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { Scopes, UnitOfWork } from '@user-engine/kernel';
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
 * the password. Throttling comes first and a refused attempt checks nothing. No connection is held
 * while bcrypt runs.
 */
@CommandHandler(AuthenticatePassword)
export class AuthenticatePasswordHandler implements ICommandHandler<AuthenticatePassword, UserView> {
  constructor(
    private readonly users: UsersRepository,
    private readonly hasher: PasswordHasher,
    private readonly throttle: LoginThrottle,
    private readonly audit: AccountAudit,
    private readonly uow: UnitOfWork,
  ) {}

  async execute(c: AuthenticatePassword): Promise<UserView> {
    const email = normaliseEmail(c.email);
    const subject = { email, ip: c.client.ip };
    // The account is looked up while the limits are checked (a refused attempt ignores it).
    const lookup = this.uow.run(Scopes.global, () => this.users.findByEmail(email));
    lookup.catch(() => undefined);
    const { lockedOutFor } = await this.throttle.begin(subject, c.client);
    const user = await lookup;
    const ok = user?.password_hash ? await this.hasher.verify(c.password, user.password_hash) : await this.hasher.verifyNothing(c.password);
    if (!user || !ok) {
      await this.audit.record('auth.login.failed', 'failure', {
        userId: user?.id,
        client: c.client,
        data: { reason: user ? 'wrong_password' : 'unknown_email' },
        actor: { type: 'anonymous' },
      });
      if (lockedOutFor) {
        await this.audit.record('auth.lockout', 'denied', {
          userId: user?.id,
          client: c.client,
          data: { seconds: Math.ceil(lockedOutFor / 1000) },
          actor: { type: 'anonymous' },
        });
      }
      throw AuthErrors.invalidCredentials();
    }
    await this.throttle.succeeded(subject);
    const refusal = signInRefusal(user.status);
    if (refusal) {
      await this.audit.record('auth.login.refused', 'denied', { userId: user.id, client: c.client, data: { status: user.status } });
      throw refusal;
    }
    // The configured cost changed since this hash was made: replace it while the password is at hand.
    if (this.hasher.needsRehash(user.password_hash!)) {
      const rehashed = await this.hasher.hash(c.password);
      await this.uow.run(Scopes.global, () => this.users.setPasswordHash(user.id, rehashed));
    }
    return toUserView(user);
  }
}
