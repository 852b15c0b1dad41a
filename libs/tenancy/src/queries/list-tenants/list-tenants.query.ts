import { Scopes, type Scope } from '@user-engine/kernel';
import type { TenantStatus } from '../../domain/membership-status';

/** Every tenant, for platform operators: filter by status, search by slug prefix; oldest first. */
export class ListTenants {
  readonly scope: Scope = Scopes.platform;

  constructor(
    readonly filter: { status?: TenantStatus; query?: string },
    readonly page: { limit?: number; cursor?: string } = {},
  ) {}
}
