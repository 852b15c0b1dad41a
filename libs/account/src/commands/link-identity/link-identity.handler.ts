import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { Scopes, UnitOfWork } from '@user-engine/kernel';
import { AccountErrors } from '../../account.errors';
import { AccountAudit } from '../../account-audit';
import { OidcIdTokens } from '../../auth/oidc-id-tokens';
import { RecentAuthentication } from '../../auth/recent-authentication';
import { AccountMails } from '../../mail/account-mails';
import { UsersRepository } from '../../persistence/users.repository';
import { IdentitiesRepository } from '../../persistence/identities.repository';
import { toIdentityView, type IdentityView } from '../../queries/identity.view';
import { LinkIdentity } from './link-identity.command';

export interface LinkResult {
  identity: IdentityView;
  created: boolean;
}

@CommandHandler(LinkIdentity)
export class LinkIdentityHandler implements ICommandHandler<LinkIdentity, LinkResult> {
  constructor(
    private readonly identities: IdentitiesRepository,
    private readonly idTokens: OidcIdTokens,
    private readonly audit: AccountAudit,
    private readonly uow: UnitOfWork,
    private readonly recent: RecentAuthentication,
    private readonly users: UsersRepository,
    private readonly mails: AccountMails,
  ) {}

  async execute(c: LinkIdentity): Promise<LinkResult> {
    await this.uow.run(Scopes.global, () => this.recent.assert(c.userId, c.sessionId));
    // The provider's keys may take a network round trip: verified before any connection is taken.
    const verified = await this.idTokens.verify(c.provider, c.idToken);
    const result = await this.uow.run(Scopes.global, async (): Promise<LinkResult | undefined> => {
      const inserted = await this.identities.insert({ userId: c.userId, ...verified });
      if (inserted) {
        await this.audit.record('account.identity.linked', 'success', {
          userId: c.userId,
          client: c.client,
          data: { provider: verified.provider, identity_id: inserted.id },
        });
        // The owner hears of every new way into their account.
        const user = await this.users.findById(c.userId);
        if (user?.email) await this.mails.identityLinked(user.email, verified.provider);
        return { identity: toIdentityView(inserted), created: true };
      }
      const existing = await this.identities.find(verified.provider, verified.subject);
      return existing?.user_id === c.userId ? { identity: toIdentityView(existing), created: false } : undefined;
    });
    if (result) return result;
    await this.audit.record('account.identity.link_refused', 'denied', {
      userId: c.userId,
      client: c.client,
      data: { provider: verified.provider, reason: 'linked_to_another_account' },
    });
    throw AccountErrors.identityTaken();
  }
}
