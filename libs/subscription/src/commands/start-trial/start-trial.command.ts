import type { Scope } from '@user-engine/kernel';
import { scopeOf, type Subject } from '../../domain/subject';

/**
 * Starts the subject's trial on the trial plan (integration reaction to `user.created` and
 * `tenant.created`). One trial per subject, ever: a redelivered or repeated event does nothing, and
 * so does a subject the configuration gives no trial, or one with a current subscription already.
 */
export class StartTrial {
  readonly scope: Scope;

  constructor(readonly subject: Subject) {
    this.scope = scopeOf(subject);
  }
}
