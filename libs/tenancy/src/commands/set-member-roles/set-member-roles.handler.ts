import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { leavesNoActiveOwner } from '../../domain/membership-status';
import { MembershipsRepository } from '../../persistence/memberships.repository';
import { toMemberView, type MemberView } from '../../queries/views';
import { TenancyErrors } from '../../tenancy.errors';
import { membershipUpdated, TenancyJournal } from '../../tenancy-journal';
import { TenantRolePolicy } from '../../tenant-role-policy';
import { stateOf } from '../change-member-status/change-member-status.handler';
import { SetMemberRoles } from './set-member-roles.command';

@CommandHandler(SetMemberRoles)
export class SetMemberRolesHandler implements ICommandHandler<SetMemberRoles, MemberView> {
  constructor(
    private readonly memberships: MembershipsRepository,
    private readonly policy: TenantRolePolicy,
    private readonly journal: TenancyJournal,
  ) {}

  async execute(c: SetMemberRoles): Promise<MemberView> {
    const found = await this.memberships.forChange(c.tenantId, c.userId);
    if (!found) throw TenancyErrors.memberNotFound();
    const { member, owners } = found;
    const roles = [...new Set(c.roles)].sort();
    await this.policy.assertAssignable({ tenantId: c.tenantId, actor: c.actor, roles, targetRoles: member.roles });
    if (roles.join() === [...member.roles].sort().join()) return toMemberView(member);
    if (leavesNoActiveOwner(owners.map(stateOf), stateOf(member), { ...stateOf(member), roles })) throw TenancyErrors.lastOwner();
    const after = await this.memberships.update(c.tenantId, c.userId, { roles });
    await this.journal.record({
      tenantId: c.tenantId,
      actor: c.actor,
      client: c.client,
      action: 'membership.roles_changed',
      resource: { type: 'membership', id: c.userId },
      data: { from: member.roles, to: after.roles },
      event: membershipUpdated(member, after),
      authzChanged: true,
    });
    return toMemberView(after);
  }
}
