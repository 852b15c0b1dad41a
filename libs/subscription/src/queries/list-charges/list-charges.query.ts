import type { Scope } from '@user-engine/kernel';
import { scopeOf, type Subject } from '../../domain/subject';

/** The subject's charges over all its subscriptions, newest first, cursor-paginated. */
export class ListCharges {
  readonly scope: Scope;

  constructor(
    readonly subject: Subject,
    readonly page: { limit?: number; cursor?: string },
  ) {
    this.scope = scopeOf(subject);
  }
}
