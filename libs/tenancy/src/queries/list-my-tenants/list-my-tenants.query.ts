import { Scopes, type Scope } from '@user-engine/kernel';

/**
 * The tenants a user is a member of (not deleted ones), with their membership. A cross-tenant read,
 * so it runs in the platform scope and filters by the user in SQL.
 */
export class ListMyTenants {
  readonly scope: Scope = Scopes.platform;

  constructor(
    readonly userId: string,
    readonly page: { limit?: number; cursor?: string } = {},
  ) {}
}
