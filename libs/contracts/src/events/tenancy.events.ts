import { defineEvent } from './envelope';

/** Tenant statuses as published in v1 payloads. */
export type TenantStatusV1 = 'active' | 'suspended' | 'deleted';
/** Membership statuses as published in v1 payloads. */
export type MembershipStatusV1 = 'active' | 'suspended';

/** `tenant.created` v1: a tenant exists; its creator is its first owner. */
export interface TenantCreatedV1 {
  tenant_id: string;
  name: string;
  slug: string;
  created_by: string;
  created_at: string;
}

/** `tenant.updated` v1: name or slug changed (`changes` names which). */
export interface TenantUpdatedV1 {
  tenant_id: string;
  name: string;
  slug: string;
  changes: string[];
  updated_at: string;
}

/** `tenant.suspended` v1 (by a platform operator): members can no longer act in or get tokens for it. */
export interface TenantSuspendedV1 {
  tenant_id: string;
  reason: string | null;
  suspended_at: string;
}

/** `tenant.reactivated` v1: a suspended tenant is active again. */
export interface TenantReactivatedV1 {
  tenant_id: string;
  reactivated_at: string;
}

/** `tenant.deleted` v1: soft-deleted; its data is erased at `erase_after` (`tenant.erased`). */
export interface TenantDeletedV1 {
  tenant_id: string;
  deleted_at: string;
  erase_after: string;
}

/** `tenant.erased` v1: the retention period ended and the tenant's data is gone; erase what you hold. */
export interface TenantErasedV1 {
  tenant_id: string;
  erased_at: string;
}

/** `membership.added` v1: a user became a member (tenant creation or an accepted invitation). */
export interface MembershipAddedV1 {
  tenant_id: string;
  user_id: string;
  status: MembershipStatusV1;
  roles: string[];
  via: 'tenant_created' | 'invitation';
}

/** `membership.updated` v1: a member's status or roles changed. */
export interface MembershipUpdatedV1 {
  tenant_id: string;
  user_id: string;
  status: MembershipStatusV1;
  roles: string[];
  previous_status: MembershipStatusV1;
  previous_roles: string[];
}

/** `membership.removed` v1: the user is no longer a member. */
export interface MembershipRemovedV1 {
  tenant_id: string;
  user_id: string;
  reason: 'removed' | 'left' | 'user_deleted';
}

export const TenantCreated = defineEvent<TenantCreatedV1>('tenant.created', 1);
export const TenantUpdated = defineEvent<TenantUpdatedV1>('tenant.updated', 1);
export const TenantSuspended = defineEvent<TenantSuspendedV1>('tenant.suspended', 1);
export const TenantReactivated = defineEvent<TenantReactivatedV1>('tenant.reactivated', 1);
export const TenantDeleted = defineEvent<TenantDeletedV1>('tenant.deleted', 1);
export const TenantErased = defineEvent<TenantErasedV1>('tenant.erased', 1);
export const MembershipAdded = defineEvent<MembershipAddedV1>('membership.added', 1);
export const MembershipUpdated = defineEvent<MembershipUpdatedV1>('membership.updated', 1);
export const MembershipRemoved = defineEvent<MembershipRemovedV1>('membership.removed', 1);
