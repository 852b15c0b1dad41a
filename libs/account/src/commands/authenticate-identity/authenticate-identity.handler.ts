import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { Scopes, UnitOfWork } from '@user-engine/kernel';
import { AccountAudit } from '../../account-audit';
import { AuthErrors, signInRefusal } from '../../account.errors';
import { OidcIdTokens } from '../../auth/oidc-id-tokens';
import { IdentitiesRepository } from '../../persistence/identities.repository';
import { UsersRepository } from '../../persistence/users.repository';
import { toUserView, type UserView } from '../../queries/user.view';
import { AuthenticateIdentity } from './authenticate-identity.command';

@CommandHandler(AuthenticateIdentity)
export class AuthenticateIdentityHandler implements ICommandHandler<AuthenticateIdentity, UserView> {
  constructor(
    private readonly users: UsersRepository,
    private readonly identities: IdentitiesRepository,
    private readonly idTokens: OidcIdTokens,
    private readonly audit: AccountAudit,
    private readonly uow: UnitOfWork,
  ) {}

  async execute(c: AuthenticateIdentity): Promise<UserView> {
    // The provider's keys may take a network round trip: verified before any connection is taken.
    const verified = await this.idTokens.verify(c.provider, c.idToken);
    const { identity, user } = await this.uow.run(Scopes.global, async () => {
      const found = await this.identities.find(verified.provider, verified.subject);
      return { identity: found, user: found && (await this.users.findById(found.user_id)) };
    });
    if (!identity || !user) {
      await this.audit.record('auth.login.failed', 'failure', {
        client: c.client,
        data: { reason: 'identity_not_linked', provider: c.provider },
      });
      throw AuthErrors.invalidCredentials();
    }
    if (user.status !== 'active') {
      await this.audit.record('auth.login.refused', 'denied', {
        userId: user.id,
        client: c.client,
        data: { status: user.status },
      });
      throw signInRefusal(user.status)!;
    }
    await this.uow.run(Scopes.global, () => this.identities.touch(identity.id));
    return toUserView(user);
  }
}
