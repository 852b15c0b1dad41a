import { type Scope, Scopes } from '@user-engine/kernel';

/**
 * A user's effective profile in a tenant: the global profile overlaid by their layer there. The
 * caller has established that the user is a member (runs in that tenant's scope).
 */
export class GetEffectiveProfile {
  readonly scope: Scope;

  constructor(
    readonly tenantId: string,
    readonly userId: string,
  ) {
    this.scope = Scopes.tenant(tenantId);
  }
}
