/** A membership is `invited` (an open invitation) → `active` ↔ `suspended`, and removed by deleting it. */
export type MembershipStatus = 'active' | 'suspended';
export const MEMBERSHIP_STATUSES: readonly MembershipStatus[] = ['active', 'suspended'];

export const OWNER_ROLE = 'owner';

/** Whether a member may go from `from` to `to` (a no-op change is allowed and does nothing). */
export function canTransition(from: MembershipStatus, to: MembershipStatus): boolean {
  return from === to || (from === 'active' && to === 'suspended') || (from === 'suspended' && to === 'active');
}

export interface MemberState {
  userId: string;
  status: MembershipStatus;
  roles: readonly string[];
}

/**
 * A tenant always keeps an active owner: true when replacing `before` by `after` (null = removed)
 * would leave none among `members` (the tenant's current memberships, `before` included).
 */
export function leavesNoActiveOwner(members: readonly MemberState[], before: MemberState, after: MemberState | null): boolean {
  const isActiveOwner = (m: MemberState) => m.status === 'active' && m.roles.includes(OWNER_ROLE);
  if (!isActiveOwner(before) || (after && isActiveOwner(after))) return false;
  return !members.some((m) => m.userId !== before.userId && isActiveOwner(m));
}

export type TenantStatus = 'active' | 'suspended' | 'deleted';

/** Platform operators suspend and reactivate; owners delete (from active or suspended? only active). */
export function canTransitionTenant(from: TenantStatus, to: TenantStatus): boolean {
  return (from === 'active' && (to === 'suspended' || to === 'deleted')) || (from === 'suspended' && to === 'active');
}
