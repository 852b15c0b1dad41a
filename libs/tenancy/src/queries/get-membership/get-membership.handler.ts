import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { MembershipsRepository } from '../../persistence/memberships.repository';
import { toMemberView, type MemberView } from '../views';
import { GetMembership } from './get-membership.query';

@QueryHandler(GetMembership)
export class GetMembershipHandler implements IQueryHandler<GetMembership, MemberView | undefined> {
  constructor(private readonly memberships: MembershipsRepository) {}

  async execute(q: GetMembership): Promise<MemberView | undefined> {
    const row = await this.memberships.find(q.tenantId, q.userId);
    return row && toMemberView(row);
  }
}
