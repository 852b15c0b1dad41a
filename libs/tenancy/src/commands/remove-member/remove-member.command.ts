import type { ClientInfo, Principal } from '@user-engine/kernel';

/** Removes a member (`removed`) or lets a member leave (`left`). */
export class RemoveMember {
  constructor(
    readonly tenantId: string,
    readonly userId: string,
    readonly actor: Principal,
    readonly client: ClientInfo,
  ) {}

  get reason(): 'removed' | 'left' {
    return this.userId === this.actor.userId ? 'left' : 'removed';
  }
}
