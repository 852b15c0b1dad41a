import { Inject, Injectable, Logger } from '@nestjs/common';
import { UnitOfWork, uuidv7 } from '@user-engine/kernel';
import { type ChargeKind, type ChargeRow, type SubscriptionRow, SubscriptionsRepository } from '../persistence/subscriptions.repository';
import { type ChargeView, toChargeView } from '../queries/views';

/**
 * Where charges are paid. A charge is recorded `pending` in the transaction that causes it (an
 * upgrade, a renewal); once that transaction has committed, `collect` hands it to the provider. The
 * outcome comes back later as a `RecordPayment` command — from an operator or a sibling service
 * for the manual provider, from the provider's webhook for a card processor (see the README:
 * "Billing providers"). Collecting never changes the subscription itself.
 */
export interface BillingProvider {
  readonly name: string;
  collect(charge: ChargeView): Promise<void>;
}

export const BILLING_PROVIDER = Symbol('subscription.billing-provider');

/**
 * Records charges and leaves their settlement to people: an operator (`POST /v1/admin/subscriptions/
 * {id}/payments`) or a service holding `payments:write` (`POST /internal/v1/subscriptions/{id}/payments`)
 * marks each paid or failed, as invoices are paid by transfer.
 */
@Injectable()
export class ManualBillingProvider implements BillingProvider {
  readonly name = 'manual';
  private readonly logger = new Logger('ManualBilling');

  async collect(charge: ChargeView): Promise<void> {
    this.logger.log(`charge ${charge.id} of ${charge.amount} ${charge.currency} awaits manual settlement`);
  }
}

/**
 * The provider SUBSCRIPTION_BILLING_PROVIDER names. This build has one (`manual`), and the setting
 * accepts only the names it has, so another provider plugs in here by name.
 */
export const billingProviders = [ManualBillingProvider, { provide: BILLING_PROVIDER, useExisting: ManualBillingProvider }];

/** Records charges in the ledger and hands each to the billing provider after commit. */
@Injectable()
export class Charges {
  constructor(
    private readonly subscriptions: SubscriptionsRepository,
    private readonly uow: UnitOfWork,
    @Inject(BILLING_PROVIDER) private readonly provider: BillingProvider,
  ) {}

  /** A charge of `amount` for `period`; nothing is recorded for a zero amount (a free plan). */
  async record(
    sub: SubscriptionRow,
    c: {
      kind: ChargeKind;
      plan: { key: string; currency: string };
      amount: number;
      period: { start: Date; end: Date };
      details?: Record<string, unknown>;
      at: Date;
    },
  ): Promise<ChargeRow | null> {
    if (c.amount <= 0) return null;
    const charge = await this.subscriptions.insertCharge({
      id: uuidv7(),
      subscription_id: sub.id,
      tenant_id: sub.tenant_id,
      kind: c.kind,
      plan_key: c.plan.key,
      amount: c.amount,
      currency: c.plan.currency,
      provider: this.provider.name,
      details: c.details ?? {},
      period_start: c.period.start,
      period_end: c.period.end,
      created_at: c.at,
    });
    await this.uow.afterCommit(() => this.provider.collect(toChargeView(charge)));
    return charge;
  }
}
