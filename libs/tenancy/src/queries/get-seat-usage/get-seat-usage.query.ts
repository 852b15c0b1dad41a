import { Scopes, type Scope } from '@user-engine/kernel';

/** Seats a tenant uses (active members, open invitations), in its scope. */
export class GetSeatUsage {
  readonly scope: Scope;

  constructor(readonly tenantId: string) {
    this.scope = Scopes.tenant(tenantId);
  }
}
