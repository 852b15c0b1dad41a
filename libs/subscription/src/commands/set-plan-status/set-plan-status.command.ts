import { type ClientInfo, type Principal, type Scope, Scopes } from '@user-engine/kernel';

/** Archives a plan (its subscribers keep it; nobody new can choose it) or restores an archived one. */
export class SetPlanStatus {
  readonly scope: Scope = Scopes.platform;

  constructor(
    readonly key: string,
    readonly status: 'active' | 'archived',
    readonly actor: Principal,
    readonly client: ClientInfo,
  ) {}
}
