import { type Scope, Scopes } from '@user-engine/kernel';

/**
 * Removes plan overrides of a user: in one tenant when they leave it, or in every tenant
 * (`tenantId` null, platform scope) when their account is erased.
 */
export class ClearMemberPlans {
  readonly scope: Scope;

  constructor(
    readonly tenantId: string | null,
    readonly userId: string,
  ) {
    this.scope = tenantId ? Scopes.tenant(tenantId) : Scopes.platform;
  }
}
