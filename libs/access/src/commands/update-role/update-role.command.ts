import type { ClientInfo, Principal } from '@user-engine/kernel';

/** Changes a custom role; members holding it gain or lose permissions at once. */
export class UpdateRole {
  constructor(
    readonly tenantId: string,
    readonly key: string,
    readonly changes: { name?: string; description?: string | null; permissions?: string[]; inherits?: string[] },
    readonly actor: Principal,
    readonly client: ClientInfo,
  ) {}
}
