import type { ClientInfo } from '@user-engine/kernel';

/** Opens a session for an authenticated user and issues its first token pair. */
export class StartSession {
  constructor(
    readonly userId: string,
    /** How the user authenticated (`pwd`, `fed`). */
    readonly amr: readonly string[],
    readonly client: ClientInfo,
  ) {}
}
