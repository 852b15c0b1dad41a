import { Scopes, type Scope } from '@user-engine/kernel';

/** A user's membership in a tenant, or undefined (runs in that tenant's scope). */
export class GetMembership {
  readonly scope: Scope;

  constructor(
    readonly tenantId: string,
    readonly userId: string,
  ) {
    this.scope = Scopes.tenant(tenantId);
  }
}
