/** A tenant by id (in the caller's scope: its own tenant, or platform). Deleted tenants included. */
export class GetTenant {
  constructor(readonly tenantId: string) {}
}
