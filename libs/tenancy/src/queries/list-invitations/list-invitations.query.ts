import type { InvitationView } from '../views';

/** A tenant's invitations, newest first; `pending` and `expired` are both open ones. */
export class ListInvitations {
  constructor(
    readonly tenantId: string,
    readonly filter: { status?: InvitationView['status'] },
    readonly page: { limit?: number; cursor?: string } = {},
  ) {}
}
