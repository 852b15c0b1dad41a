import type { ClientInfo, Principal } from '@user-engine/kernel';

/** Deletes a custom role nobody holds and no role inherits. */
export class DeleteRole {
  constructor(
    readonly tenantId: string,
    readonly key: string,
    readonly actor: Principal,
    readonly client: ClientInfo,
  ) {}
}
