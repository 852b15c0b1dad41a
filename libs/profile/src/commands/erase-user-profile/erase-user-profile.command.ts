import { type Scope, Scopes } from '@user-engine/kernel';

/** Erases everything the profile module holds about a user: the global profile and every tenant layer. */
export class EraseUserProfile {
  /** Layers live in every tenant the user was in: a platform-wide erasure. */
  readonly scope: Scope = Scopes.platform;

  constructor(readonly userId: string) {}
}
