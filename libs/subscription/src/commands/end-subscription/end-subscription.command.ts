import type { Scope } from '@user-engine/kernel';
import { scopeOf, type Subject } from '../../domain/subject';

/** Cancels the subject's current subscription at once because the subject is gone (a deleted user or tenant). */
export class EndSubscription {
  readonly scope: Scope;

  constructor(readonly subject: Subject) {
    this.scope = scopeOf(subject);
  }
}
