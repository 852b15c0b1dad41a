import type { MembershipStatus } from '../../domain/membership-status';

/** A tenant's members ordered by email: filter by status and role, search by email prefix. */
export class ListMembers {
  constructor(
    readonly tenantId: string,
    readonly filter: { status?: MembershipStatus; role?: string; emailPrefix?: string },
    readonly page: { limit?: number; cursor?: string } = {},
  ) {}
}
