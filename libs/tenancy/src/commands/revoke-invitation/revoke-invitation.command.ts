import type { ClientInfo, Principal } from '@user-engine/kernel';

/** Revokes an open invitation: its link stops working. */
export class RevokeInvitation {
  constructor(
    readonly tenantId: string,
    readonly invitationId: string,
    readonly actor: Principal,
    readonly client: ClientInfo,
  ) {}
}
