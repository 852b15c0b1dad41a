import { DomainError } from '@user-engine/kernel';
import { transitionUser, UserStatus, UserTransition } from './user-status';

const STATUSES: UserStatus[] = ['pending_verification', 'active', 'suspended', 'deactivated', 'deleted'];
const TRANSITIONS: UserTransition[] = ['verify_email', 'suspend', 'reactivate', 'deactivate', 'delete'];

// Every (status, transition) pair: the allowed ones with their target, everything else refused.
const ALLOWED: Record<string, UserStatus> = {
  'pending_verification/verify_email': 'active',
  'pending_verification/suspend': 'suspended',
  'active/suspend': 'suspended',
  'deactivated/suspend': 'suspended',
  'suspended/reactivate': 'active',
  'deactivated/reactivate': 'active',
  'pending_verification/deactivate': 'deactivated',
  'active/deactivate': 'deactivated',
  'pending_verification/delete': 'deleted',
  'active/delete': 'deleted',
  'suspended/delete': 'deleted',
  'deactivated/delete': 'deleted',
};

describe('account lifecycle', () => {
  for (const from of STATUSES) {
    for (const t of TRANSITIONS) {
      const key = `${from}/${t}`;
      if (ALLOWED[key]) {
        it(`allows ${key} → ${ALLOWED[key]}`, () => expect(transitionUser(from, t, true)).toBe(ALLOWED[key]));
      } else {
        it(`refuses ${key}`, () => {
          let error: unknown;
          try {
            transitionUser(from, t, true);
          } catch (e) {
            error = e;
          }
          expect(error).toBeInstanceOf(DomainError);
          expect(error).toMatchObject({ kind: 'conflict', code: 'ACCOUNT.INVALID_TRANSITION', extensions: { from, transition: t } });
        });
      }
    }
  }

  it('reactivates an account whose email was never verified into pending_verification', () => {
    expect(transitionUser('suspended', 'reactivate', false)).toBe('pending_verification');
    expect(transitionUser('deactivated', 'reactivate', false)).toBe('pending_verification');
  });
});
