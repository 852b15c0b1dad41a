import { type Scope, Scopes } from '@user-engine/kernel';

/** One plan by key, archived ones included (their subscribers still read them). */
export class GetPlan {
  readonly scope: Scope = Scopes.global;

  constructor(readonly key: string) {}
}
