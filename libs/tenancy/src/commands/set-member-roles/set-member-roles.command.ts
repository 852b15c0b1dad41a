import type { ClientInfo, Principal } from '@user-engine/kernel';

/** Replaces a member's roles (validated by the access module's TenantRolePolicy). */
export class SetMemberRoles {
  constructor(
    readonly tenantId: string,
    readonly userId: string,
    readonly roles: readonly string[],
    readonly actor: Principal,
    readonly client: ClientInfo,
  ) {}
}
