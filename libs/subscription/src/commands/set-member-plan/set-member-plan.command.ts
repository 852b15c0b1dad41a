import { type ClientInfo, type Principal, type Scope, Scopes } from '@user-engine/kernel';

/**
 * Gives one member a plan of their own inside the tenant (an override of the tenant's), or removes
 * it (`planKey` null). Their next tenant-scoped token names it, and their entitlements follow it.
 */
export class SetMemberPlan {
  readonly scope: Scope;

  constructor(
    readonly tenantId: string,
    readonly userId: string,
    readonly planKey: string | null,
    readonly actor: Principal,
    readonly client: ClientInfo,
  ) {
    this.scope = Scopes.tenant(tenantId);
  }
}
