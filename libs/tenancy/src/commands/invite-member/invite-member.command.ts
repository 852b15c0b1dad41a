import type { ClientInfo, Principal } from '@user-engine/kernel';

/** Invites an address to the tenant with the given roles; the invitee gets a single-use link. */
export class InviteMember {
  constructor(
    readonly tenantId: string,
    /** Normalised (trimmed, lower-case). */
    readonly email: string,
    readonly roles: readonly string[],
    readonly actor: Principal,
    readonly client: ClientInfo,
  ) {}
}
