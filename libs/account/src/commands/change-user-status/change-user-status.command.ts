import type { AuditEntryInput } from '@user-engine/kernel';

/** Suspends, reactivates or deactivates an account (platform administration, lifecycle jobs). */
export class ChangeUserStatus {
  constructor(
    readonly userId: string,
    readonly transition: 'suspend' | 'reactivate' | 'deactivate',
    readonly actor: AuditEntryInput['actor'],
    readonly reason: string | null = null,
  ) {}
}
