import type { ClientInfo, Principal } from '@user-engine/kernel';
import type { CustomRoleDefinition } from '../../domain/roles';

/** Creates a custom role in a tenant. */
export class CreateRole {
  constructor(
    readonly tenantId: string,
    readonly role: CustomRoleDefinition,
    readonly actor: Principal,
    readonly client: ClientInfo,
  ) {}
}
