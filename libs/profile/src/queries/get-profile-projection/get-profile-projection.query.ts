import { type Scope, Scopes } from '@user-engine/kernel';

/**
 * What one application may read of a user's profile — globally (`tenantId` null) or inside a tenant
 * the caller has established the user belongs to.
 */
export class GetProfileProjection {
  readonly scope: Scope;

  constructor(
    readonly userId: string,
    readonly tenantId: string | null,
    readonly applicationKey: string,
  ) {
    this.scope = tenantId ? Scopes.tenant(tenantId) : Scopes.global;
  }
}
