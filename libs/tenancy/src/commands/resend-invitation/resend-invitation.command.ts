import type { ClientInfo, Principal } from '@user-engine/kernel';

/** Mails an open invitation again with a new link (the old one dies) and a fresh expiry. */
export class ResendInvitation {
  constructor(
    readonly tenantId: string,
    readonly invitationId: string,
    readonly actor: Principal,
    readonly client: ClientInfo,
  ) {}
}
