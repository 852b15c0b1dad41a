import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { canTransition, leavesNoActiveOwner, type MemberState } from '../../domain/membership-status';
import { MembershipsRepository } from '../../persistence/memberships.repository';
import type { MembershipRow } from '../../persistence/tenancy.rows';
import { toMemberView, type MemberView } from '../../queries/views';
import { TenancyErrors } from '../../tenancy.errors';
import { membershipUpdated, TenancyJournal } from '../../tenancy-journal';
import { SeatLimits } from '../../seat-limits';
import { ChangeMemberStatus } from './change-member-status.command';

export const stateOf = (m: MembershipRow): MemberState => ({ userId: m.user_id, status: m.status, roles: m.roles });

@CommandHandler(ChangeMemberStatus)
export class ChangeMemberStatusHandler implements ICommandHandler<ChangeMemberStatus, MemberView> {
  constructor(
    private readonly memberships: MembershipsRepository,
    private readonly journal: TenancyJournal,
    private readonly seats: SeatLimits,
  ) {}

  async execute(c: ChangeMemberStatus): Promise<MemberView> {
    const found = await this.memberships.forChange(c.tenantId, c.userId);
    if (!found) throw TenancyErrors.memberNotFound();
    const { member, owners } = found;
    if (member.status === c.status) return toMemberView(member);
    if (!canTransition(member.status, c.status)) throw TenancyErrors.invalidTransition(member.status, c.status);
    if (c.status === 'suspended' && c.userId === c.actor.userId) throw TenancyErrors.selfLockout();
    if (leavesNoActiveOwner(owners.map(stateOf), stateOf(member), { ...stateOf(member), status: c.status }))
      throw TenancyErrors.lastOwner();
    if (c.status === 'active') await this.seats.assertAvailable(c.tenantId, 'member');
    const after = await this.memberships.update(c.tenantId, c.userId, { status: c.status });
    await this.journal.record({
      tenantId: c.tenantId,
      actor: c.actor,
      client: c.client,
      action: c.status === 'suspended' ? 'membership.suspended' : 'membership.reactivated',
      resource: { type: 'membership', id: c.userId },
      data: { from: member.status, to: c.status },
      event: membershipUpdated(member, after),
      authzChanged: true,
    });
    return toMemberView(after);
  }
}
