import { type Scope, Scopes } from '@user-engine/kernel';

/** Removes every member's layer in a tenant (the tenant is gone). */
export class RemoveTenantLayers {
  readonly scope: Scope;

  constructor(readonly tenantId: string) {
    this.scope = Scopes.tenant(tenantId);
  }
}
