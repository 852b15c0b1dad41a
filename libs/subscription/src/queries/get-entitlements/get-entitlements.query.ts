import { type Scope, Scopes } from '@user-engine/kernel';

/**
 * What applies in a tenant: for a member (`userId`), their plan there (override, else the tenant's,
 * else their own); for the tenant itself (`userId` null), the tenant's plan. With its features and
 * the tenant's seats.
 */
export class GetEntitlements {
  readonly scope: Scope;

  constructor(
    readonly tenantId: string,
    readonly userId: string | null,
  ) {
    this.scope = Scopes.tenant(tenantId);
  }
}
