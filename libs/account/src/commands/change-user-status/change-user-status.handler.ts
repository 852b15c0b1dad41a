import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { UserStatusChanged } from '@user-engine/contracts';
import { OutboxPublisher } from '@user-engine/kernel';
import { AccountErrors } from '../../account.errors';
import { AccountAudit } from '../../account-audit';
import { transitionUser, type UserStatus } from '../../domain/user-status';
import { UsersRepository } from '../../persistence/users.repository';
import { SessionRevocation } from '../../tokens/session-revocation';
import { ChangeUserStatus } from './change-user-status.command';

@CommandHandler(ChangeUserStatus)
export class ChangeUserStatusHandler implements ICommandHandler<ChangeUserStatus, UserStatus> {
  constructor(
    private readonly users: UsersRepository,
    private readonly revocation: SessionRevocation,
    private readonly outbox: OutboxPublisher,
    private readonly audit: AccountAudit,
  ) {}

  async execute(c: ChangeUserStatus): Promise<UserStatus> {
    const user = await this.users.findById(c.userId, { lock: true });
    if (!user) throw AccountErrors.userNotFound();
    const to = transitionUser(user.status, c.transition, user.email_verified_at !== null);
    await this.users.setStatus(user.id, to);
    // A suspended or deactivated account is signed out everywhere, at once.
    const revoked = c.transition === 'reactivate' ? 0 : await this.revocation.revokeAll(user.id, `account_${to}`);
    await this.outbox.publish(UserStatusChanged, {
      aggregate: { type: 'user', id: user.id },
      actor: c.actor.type === 'anonymous' ? null : { type: c.actor.type, id: c.actor.id ?? null },
      payload: { user_id: user.id, from: user.status, to, reason: c.reason, changed_at: new Date().toISOString() },
    });
    await this.audit.record(`account.status.${c.transition}`, 'success', {
      userId: user.id,
      actor: c.actor,
      data: { from: user.status, to, reason: c.reason, sessions_revoked: revoked },
    });
    return to;
  }
}
