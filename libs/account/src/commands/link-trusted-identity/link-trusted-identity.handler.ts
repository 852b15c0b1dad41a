import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { AccountErrors } from '../../account.errors';
import { AccountAudit } from '../../account-audit';
import { AccountMails } from '../../mail/account-mails';
import { IdentitiesRepository } from '../../persistence/identities.repository';
import { UsersRepository } from '../../persistence/users.repository';
import type { LinkResult } from '../link-identity/link-identity.handler';
import { toIdentityView } from '../../queries/identity.view';
import { LinkTrustedIdentity } from './link-trusted-identity.command';

@CommandHandler(LinkTrustedIdentity)
export class LinkTrustedIdentityHandler implements ICommandHandler<LinkTrustedIdentity, LinkResult> {
  constructor(
    private readonly identities: IdentitiesRepository,
    private readonly users: UsersRepository,
    private readonly audit: AccountAudit,
    private readonly mails: AccountMails,
  ) {}

  async execute(c: LinkTrustedIdentity): Promise<LinkResult> {
    const user = await this.users.findById(c.userId);
    if (!user) throw AccountErrors.userNotFound();
    const actor = { type: 'service' as const, id: c.by.applicationId };
    const inserted = await this.identities.insert({ userId: c.userId, provider: c.provider, subject: c.subject, email: null });
    if (inserted) {
      await this.audit.record('account.identity.linked', 'success', {
        userId: c.userId,
        actor,
        client: c.client,
        data: { provider: c.provider, identity_id: inserted.id, api_key_id: c.by.keyId },
      });
      // The owner hears of every new way into their account, whoever added it.
      if (user.email) await this.mails.identityLinked(user.email, c.provider);
      return { identity: toIdentityView(inserted), created: true };
    }
    const existing = await this.identities.find(c.provider, c.subject);
    if (existing?.user_id === c.userId) return { identity: toIdentityView(existing), created: false };
    await this.audit.record('account.identity.link_refused', 'denied', {
      userId: c.userId,
      actor,
      client: c.client,
      data: { provider: c.provider, reason: 'linked_to_another_account', api_key_id: c.by.keyId },
      separate: true,
    });
    throw AccountErrors.identityTaken();
  }
}
