import { type ClientInfo, type Principal, type Scope, Scopes } from '@user-engine/kernel';
import type { FieldValues } from '../../domain/profile-fields';

/**
 * Writes the caller's global profile (`tenantId` null) or their layer in one tenant: fields
 * (`null` clears one) and application attributes (`{application: {attribute: value | null}}`).
 */
export class UpdateProfile {
  readonly scope: Scope;

  constructor(
    readonly userId: string,
    readonly tenantId: string | null,
    readonly fields: FieldValues,
    readonly attributes: unknown,
    readonly actor: Principal,
    readonly client: ClientInfo,
  ) {
    this.scope = tenantId ? Scopes.tenant(tenantId) : Scopes.global;
  }
}
