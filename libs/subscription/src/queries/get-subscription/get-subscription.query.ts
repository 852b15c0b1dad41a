import { type Scope, Scopes } from '@user-engine/kernel';
import { scopeOf, type Subject } from '../../domain/subject';

/**
 * A subject's subscription — the current one, else the one that ended last — or, by id (operators,
 * platform scope), any subscription. Not found when there is none.
 */
export class GetSubscription {
  readonly scope: Scope;

  constructor(readonly target: Subject | { id: string }) {
    this.scope = 'type' in target ? scopeOf(target) : Scopes.platform;
  }
}
