import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { AccountErrors } from '../../account.errors';
import { AccountAudit } from '../../account-audit';
import { IdentitiesRepository } from '../../persistence/identities.repository';
import { UsersRepository } from '../../persistence/users.repository';
import { UnlinkIdentity } from './unlink-identity.command';

@CommandHandler(UnlinkIdentity)
export class UnlinkIdentityHandler implements ICommandHandler<UnlinkIdentity, void> {
  constructor(
    private readonly users: UsersRepository,
    private readonly identities: IdentitiesRepository,
    private readonly audit: AccountAudit,
  ) {}

  async execute(c: UnlinkIdentity): Promise<void> {
    // The user row is locked: two concurrent unlinks cannot both see "another way remains".
    const user = await this.users.findById(c.userId, { lock: true });
    if (!user) throw AccountErrors.userNotFound();
    const identities = await this.identities.listOfUser(c.userId);
    if (!identities.some((i) => i.id === c.identityId)) throw AccountErrors.identityNotFound();
    if (!user.password_hash && identities.length === 1) throw AccountErrors.lastSignInMethod();
    await this.identities.delete(c.identityId, c.userId);
    await this.audit.record('account.identity.unlinked', 'success', {
      userId: c.userId,
      client: c.client,
      data: { identity_id: c.identityId },
    });
  }
}
