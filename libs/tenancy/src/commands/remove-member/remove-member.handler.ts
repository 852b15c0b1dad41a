import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { MembershipRemoved } from '@user-engine/contracts';
import { leavesNoActiveOwner } from '../../domain/membership-status';
import { MembershipsRepository } from '../../persistence/memberships.repository';
import { TenancyErrors } from '../../tenancy.errors';
import { TenancyJournal } from '../../tenancy-journal';
import { stateOf } from '../change-member-status/change-member-status.handler';
import { RemoveMember } from './remove-member.command';

@CommandHandler(RemoveMember)
export class RemoveMemberHandler implements ICommandHandler<RemoveMember, void> {
  constructor(
    private readonly memberships: MembershipsRepository,
    private readonly journal: TenancyJournal,
  ) {}

  async execute(c: RemoveMember): Promise<void> {
    const found = await this.memberships.forChange(c.tenantId, c.userId);
    if (!found) throw TenancyErrors.memberNotFound();
    if (leavesNoActiveOwner(found.owners.map(stateOf), stateOf(found.member), null)) throw TenancyErrors.lastOwner();
    await this.memberships.delete(c.tenantId, c.userId);
    await this.journal.record({
      tenantId: c.tenantId,
      actor: c.actor,
      client: c.client,
      action: c.reason === 'left' ? 'membership.left' : 'membership.removed',
      resource: { type: 'membership', id: c.userId },
      data: { roles: found.member.roles, status: found.member.status },
      event: {
        definition: MembershipRemoved,
        aggregate: { type: 'membership', id: `${c.tenantId}:${c.userId}` },
        payload: { tenant_id: c.tenantId, user_id: c.userId, reason: c.reason },
      },
      authzChanged: true,
    });
  }
}
