import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
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
  ) {}

  async execute(c: AuthenticateIdentity): Promise<UserView> {
    const verified = await this.idTokens.verify(c.provider, c.idToken);
    const identity = await this.identities.find(verified.provider, verified.subject);
    const user = identity && (await this.users.findById(identity.user_id));
    if (!identity || !user) {
      await this.audit.record('auth.login.failed', 'failure', {
        client: c.client,
        data: { reason: 'identity_not_linked', provider: c.provider },
        separate: true,
      });
      throw AuthErrors.invalidCredentials();
    }
    if (user.status !== 'active') {
      await this.audit.record('auth.login.refused', 'denied', {
        userId: user.id,
        client: c.client,
        data: { status: user.status },
        separate: true,
      });
      throw signInRefusal(user.status)!;
    }
    await this.identities.touch(identity.id);
    return toUserView(user);
  }
}
