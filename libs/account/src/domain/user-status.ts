import { DomainError } from '@user-engine/kernel';
import type { UserStatusV1 } from '@user-engine/contracts';

export type UserStatus = UserStatusV1;

export type UserTransition = 'verify_email' | 'suspend' | 'reactivate' | 'deactivate' | 'delete';

/**
 * The account lifecycle. `reactivate` returns an account to `active` — or to
 * `pending_verification` when its email was never verified; `deleted` is final.
 */
const TRANSITIONS: Record<UserTransition, Partial<Record<UserStatus, UserStatus | 'active_or_pending'>>> = {
  verify_email: { pending_verification: 'active' },
  suspend: { pending_verification: 'suspended', active: 'suspended', deactivated: 'suspended' },
  reactivate: { suspended: 'active_or_pending', deactivated: 'active_or_pending' },
  deactivate: { pending_verification: 'deactivated', active: 'deactivated' },
  delete: { pending_verification: 'deleted', active: 'deleted', suspended: 'deleted', deactivated: 'deleted' },
};

/** The status after `transition`, or ACCOUNT.INVALID_TRANSITION (409) when it is not allowed. */
export function transitionUser(from: UserStatus, transition: UserTransition, emailVerified: boolean): UserStatus {
  const to = TRANSITIONS[transition][from];
  if (!to) {
    throw new DomainError('conflict', 'ACCOUNT.INVALID_TRANSITION', `An account that is ${from} cannot ${transition.replace('_', ' ')}.`, {
      extensions: { from, transition },
    });
  }
  if (to === 'active_or_pending') return emailVerified ? 'active' : 'pending_verification';
  return to;
}

/** Statuses whose holder may sign in (a pending account gets AUTH.EMAIL_NOT_VERIFIED instead). */
export function canSignIn(status: UserStatus): boolean {
  return status === 'active';
}
