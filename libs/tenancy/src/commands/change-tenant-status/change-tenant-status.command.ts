import type { ClientInfo, Principal } from '@user-engine/kernel';

/** A platform operator suspends or reactivates a tenant. */
export class ChangeTenantStatus {
  constructor(
    readonly tenantId: string,
    readonly to: 'suspended' | 'active',
    readonly reason: string | null,
    readonly actor: Principal,
    readonly client: ClientInfo,
  ) {}
}
