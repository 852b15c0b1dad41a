import { type Scope, Scopes } from '@user-engine/kernel';

/** The catalog: the plans on offer, and archived ones too for operators. */
export class ListPlans {
  readonly scope: Scope = Scopes.global;

  constructor(readonly includeArchived = false) {}
}
