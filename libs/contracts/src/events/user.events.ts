import { defineEvent } from './envelope';

/** Account statuses as published in v1 payloads. */
export type UserStatusV1 = 'pending_verification' | 'active' | 'suspended' | 'deactivated' | 'deleted';

/** `user.created` v1: a new account exists (its email is not verified yet). */
export interface UserCreatedV1 {
  user_id: string;
  /** Normalised (lower-case) email address. */
  email: string;
  /** What the user gave at sign-up, or null. */
  display_name: string | null;
  status: UserStatusV1;
  /** ISO 8601 UTC. */
  created_at: string;
}

/** `user.email_verified` v1. */
export interface UserEmailVerifiedV1 {
  user_id: string;
  email: string;
  verified_at: string;
}

/** `user.status_changed` v1: suspension, reactivation, deactivation (deletion has its own event). */
export interface UserStatusChangedV1 {
  user_id: string;
  from: UserStatusV1;
  to: UserStatusV1;
  /** Free text an operator gave, or null. */
  reason: string | null;
  changed_at: string;
}

/**
 * `user.deleted` v1: the account was erased (personal data scrubbed, a tombstone kept). Consumers
 * must erase what they hold about this user.
 */
export interface UserDeletedV1 {
  user_id: string;
  deleted_at: string;
}

export const UserCreated = defineEvent<UserCreatedV1>('user.created', 1);
export const UserEmailVerified = defineEvent<UserEmailVerifiedV1>('user.email_verified', 1);
export const UserStatusChanged = defineEvent<UserStatusChangedV1>('user.status_changed', 1);
export const UserDeleted = defineEvent<UserDeletedV1>('user.deleted', 1);
