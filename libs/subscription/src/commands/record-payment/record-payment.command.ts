import { type ClientInfo, type Scope, Scopes } from '@user-engine/kernel';
import type { SubscriptionActor } from '../../subscription-journal';

/**
 * The billing provider's word on one charge: paid or failed. A failure makes an active subscription
 * past due at once; paying the last open charge of a past-due one makes it active again. Runs in the
 * platform scope: operators and platform-wide keys know the subscription by id only.
 */
export class RecordPayment {
  readonly scope: Scope = Scopes.platform;

  constructor(
    readonly subscriptionId: string,
    readonly chargeId: string,
    readonly outcome: 'paid' | 'failed',
    readonly reference: string | null,
    readonly actor: SubscriptionActor,
    readonly client?: ClientInfo,
  ) {}
}
