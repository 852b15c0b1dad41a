import type { Principal } from '@user-engine/kernel';

export interface RoleSummary {
  key: string;
  name: string;
  built_in: boolean;
  permissions: string[];
}

/**
 * What tenancy needs to know about roles, which the access module defines: tenancy owns the role
 * *bindings* (on the membership, so the last-owner rule holds in one transaction) but not what a
 * role is. The access module provides the implementation; tenancy never imports it.
 */
export interface AssignmentInput {
  tenantId: string;
  actor: Pick<Principal, 'userId'>;
  roles: readonly string[];
  /** The current roles of the member whose roles change, if any. */
  targetRoles?: readonly string[];
}

export abstract class TenantRolePolicy {
  /**
   * Refuses (with a DomainError, and audited) unless `actor` may give `roles` in `tenantId` — to a
   * member whose current roles are `targetRoles`, if any: every role exists, the actor holds every
   * permission they grant and every permission the target holds, and only owners touch owners.
   */
  abstract assertAssignable(input: AssignmentInput): Promise<void>;

  /** The same rules as a yes/no (unknown roles still throw): whether an earlier grant still stands. */
  abstract canAssign(input: AssignmentInput): Promise<boolean>;

  /** The roles of the tenant (built-in and custom). */
  abstract listRoles(tenantId: string): Promise<RoleSummary[]>;
}

/** Change-feed channel: something about this tenant (status, name, memberships) changed; payload = tenant id. */
export const TENANCY_CHANGES = 'tenancy_changes';
/** Change-feed channel: this user's memberships changed; payload = user id. */
export const TENANCY_MEMBER_CHANGES = 'tenancy_member_changes';
