/**
 * The internal API's v1 request and response bodies (`/internal/v1` on INTERNAL_PORT), for sibling
 * services to code against. Compatibility rule: within v1 fields are only added — never renamed,
 * removed, retyped or made nullable — and union members only added to outputs
 * (test/contracts-compat.e2e-spec.ts holds the code to v1-shapes.json).
 */
import type { SubscriptionStatusV1 } from '../events/subscription.events';
import type { UserStatusV1 } from '../events/user.events';

/** `GET /internal/v1/users/{id}` and the items of the lookups. */
export interface InternalUserV1 {
  id: string;
  email: string | null;
  email_verified: boolean;
  status: UserStatusV1;
  display_name: string | null;
  created_at: string;
}

/** `GET /internal/v1/users?email=`: zero or one user. */
export interface InternalUserListV1 {
  items: InternalUserV1[];
}

/** `POST /internal/v1/users/batch` body: up to 100 ids. */
export interface InternalUserBatchRequestV1 {
  ids: string[];
}

/** `POST /internal/v1/users/batch`: the users found, in the order asked, and the ids that were not. */
export interface InternalUserBatchV1 {
  items: InternalUserV1[];
  missing: string[];
}

/** `GET /internal/v1/tenants/{tenant_id}/members/{user_id}` and the items of the member list. */
export interface InternalMemberV1 {
  tenant_id: string;
  user_id: string;
  email: string;
  status: 'active' | 'suspended';
  roles: string[];
  /** What the roles grant, with inheritance; empty while the membership is suspended. */
  permissions: string[];
  joined_at: string;
}

/** `GET /internal/v1/tenants/{tenant_id}/members`: cursor-paginated, by email. */
export interface InternalMemberPageV1 {
  items: InternalMemberV1[];
  next_cursor: string | null;
}

/** `POST /internal/v1/authz/check` body. */
export interface InternalAuthzCheckRequestV1 {
  user_id: string;
  tenant_id: string;
  permission: string;
  /** The user an action on members targets. */
  resource?: { type: 'user'; id: string };
}

/** `POST /internal/v1/authz/check` (the same decision as `POST /v1/tenants/{tenant_id}/authz/check`). */
export interface InternalAuthzDecisionV1 {
  allowed: boolean;
  reason: string;
}

/** `POST /internal/v1/users/{id}/identities` body. */
export interface InternalLinkIdentityRequestV1 {
  provider: string;
  subject: string;
}

/** `POST /internal/v1/users/{id}/identities`: the linked identity. */
export interface InternalIdentityV1 {
  id: string;
  user_id: string;
  provider: string;
  subject: string;
  linked_at: string;
}

/** The standard profile fields an application may be entitled to read (its catalog's `profile_fields`). */
export type ProfileFieldV1 = 'display_name' | 'first_name' | 'last_name' | 'bio' | 'picture_url' | 'locale' | 'timezone' | 'title';

/**
 * `GET /internal/v1/users/{id}/profile?tenant_id=`: the calling application's projection of a user's
 * effective profile — only the fields its catalog declares (`profile_fields`) and only its own
 * attributes (unprefixed). With a tenant, the tenant's layer overlays the global profile.
 */
export interface InternalProfileProjectionV1 {
  user_id: string;
  tenant_id: string | null;
  application: string;
  fields: Partial<Record<ProfileFieldV1, string | null>>;
  attributes: Record<string, string | number | boolean | null>;
}

/** Every ProfileFieldV1, in the order profiles show them. */
export const PROFILE_FIELDS_V1: readonly ProfileFieldV1[] = [
  'display_name',
  'first_name',
  'last_name',
  'title',
  'bio',
  'picture_url',
  'locale',
  'timezone',
];

/** Where a plan that applies to a member comes from. */
export type PlanSourceV1 = 'membership' | 'tenant' | 'user';

/**
 * `GET /internal/v1/tenants/{tenant_id}/entitlements` (and `?user_id=` for one member): the plan that
 * applies and what it includes — features are switches (true/false) and numeric limits; a feature
 * the plan does not name is not included.
 */
export interface InternalEntitlementsV1 {
  tenant_id: string;
  /** The member asked about; null for the tenant itself. */
  user_id: string | null;
  /** Null when no subscription, override or user plan applies. */
  plan: string | null;
  source: PlanSourceV1 | null;
  /** The status of the tenant's current subscription; null without one. */
  status: SubscriptionStatusV1 | null;
  features: Record<string, boolean | number>;
  /** Active members and the plan's limit (null: unlimited). */
  seats: { limit: number | null; used: number };
}

/** `POST /internal/v1/subscriptions/{id}/payments` body: the billing provider's word on one charge. */
export interface InternalPaymentRequestV1 {
  charge_id: string;
  outcome: 'paid' | 'failed';
  /** The provider's own reference (a transfer or invoice id), kept with the charge. */
  reference?: string;
}

/** A charge of the subscription ledger, as the payments endpoint answers it. */
export interface InternalChargeV1 {
  id: string;
  subscription_id: string;
  kind: 'initial' | 'proration' | 'renewal';
  /** Integer minor units. */
  amount: number;
  currency: string;
  status: 'pending' | 'paid' | 'failed';
  reference: string | null;
  created_at: string;
  settled_at: string | null;
}
