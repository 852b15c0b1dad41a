import { type ClientInfo, type Principal, type Scope, Scopes } from '@user-engine/kernel';
import type { PlanInput } from '../../domain/plans';

/** Adds a plan to the catalog (platform operators); currency and trial days default from the config. */
export class CreatePlan {
  readonly scope: Scope = Scopes.platform;

  constructor(
    readonly input: PlanInput,
    readonly actor: Principal,
    readonly client: ClientInfo,
  ) {}
}
