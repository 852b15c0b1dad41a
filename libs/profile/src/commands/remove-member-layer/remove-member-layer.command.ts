import { type Scope, Scopes } from '@user-engine/kernel';

/** Removes one user's layer in a tenant (they are no longer a member: nobody reads it any more). */
export class RemoveMemberLayer {
  readonly scope: Scope;

  constructor(
    readonly tenantId: string,
    readonly userId: string,
  ) {
    this.scope = Scopes.tenant(tenantId);
  }
}
