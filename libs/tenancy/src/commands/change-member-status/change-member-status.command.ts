import type { ClientInfo, Principal } from '@user-engine/kernel';
import type { MembershipStatus } from '../../domain/membership-status';

/** Suspends or reactivates a member (their global account is untouched). */
export class ChangeMemberStatus {
  constructor(
    readonly tenantId: string,
    readonly userId: string,
    readonly status: MembershipStatus,
    readonly actor: Principal,
    readonly client: ClientInfo,
  ) {}
}
