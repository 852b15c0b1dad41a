import type { ClientInfo, Principal } from '@user-engine/kernel';

/** Renames a tenant or changes its slug (in the request's tenant scope). */
export class UpdateTenant {
  constructor(
    readonly tenantId: string,
    readonly changes: { name?: string; slug?: string },
    readonly actor: Principal,
    readonly client: ClientInfo,
  ) {}
}
