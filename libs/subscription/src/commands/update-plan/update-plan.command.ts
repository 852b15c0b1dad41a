import { type ClientInfo, type Principal, type Scope, Scopes } from '@user-engine/kernel';
import type { Entitlement } from '../../domain/plans';

/** What an operator may change of a plan; key, currency and interval are fixed once subscribers may hold it. */
export interface PlanChanges {
  name?: string;
  description?: string | null;
  price?: number;
  trial_days?: number;
  seats?: number | null;
  features?: Record<string, Entitlement>;
}

/**
 * Changes a plan. Subscribers see a new price from their next renewal (changes never charge
 * anyone now), new features and seats at once.
 */
export class UpdatePlan {
  readonly scope: Scope = Scopes.platform;

  constructor(
    readonly key: string,
    readonly changes: PlanChanges,
    readonly actor: Principal,
    readonly client: ClientInfo,
  ) {}
}
