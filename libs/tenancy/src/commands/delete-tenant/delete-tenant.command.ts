import type { ClientInfo, Principal } from '@user-engine/kernel';

/** Soft-deletes a tenant: members lose it at once; its data is erased after the retention period. */
export class DeleteTenant {
  constructor(
    readonly tenantId: string,
    readonly actor: Principal,
    readonly client: ClientInfo,
  ) {}
}
