import type { ClientInfo, AuditEntryInput } from '@user-engine/kernel';

/** Erases an account: personal data scrubbed, credentials and sessions removed, a tombstone kept. */
export class DeleteAccount {
  constructor(
    readonly userId: string,
    readonly actor: AuditEntryInput['actor'],
    readonly client: ClientInfo | undefined,
    /** Self-service erasure: the caller's session, which must have signed in recently. */
    readonly sessionId?: string,
  ) {}
}
