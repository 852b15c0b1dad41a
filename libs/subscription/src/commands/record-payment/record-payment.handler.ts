import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';

import { Clock } from '@user-engine/kernel';
import { transition } from '../../domain/subscription-status';
import { SubscriptionsRepository } from '../../persistence/subscriptions.repository';
import { type ChargeView, toChargeView } from '../../queries/views';
import { SubscriptionErrors } from '../../subscription.errors';
import { SubscriptionJournal } from '../../subscription-journal';
import { RecordPayment } from './record-payment.command';

@CommandHandler(RecordPayment)
export class RecordPaymentHandler implements ICommandHandler<RecordPayment, ChargeView> {
  constructor(
    private readonly subscriptions: SubscriptionsRepository,
    private readonly journal: SubscriptionJournal,
    private readonly clock: Clock,
  ) {}

  async execute(c: RecordPayment): Promise<ChargeView> {
    // The subscription first, then its charge: the clock locks in the same order.
    const sub = await this.subscriptions.find(c.subscriptionId, { lock: true });
    const charge = sub && (await this.subscriptions.findCharge(sub.id, c.chargeId, { lock: true }));
    if (!sub || !charge) throw SubscriptionErrors.chargeNotFound();
    if (charge.status === 'paid') {
      // A provider repeating its confirmation is answered as before; anything else contradicts the ledger.
      if (c.outcome === 'paid' && (c.reference === null || c.reference === charge.reference)) return toChargeView(charge);
      throw SubscriptionErrors.chargeSettled(charge.status);
    }
    const now = this.clock.now();
    const settled = await this.subscriptions.settleCharge(charge.id, c.outcome, c.reference, now);
    await this.journal.record(sub, {
      actor: c.actor,
      client: c.client,
      action: c.outcome === 'paid' ? 'subscription.payment_received' : 'subscription.payment_failed',
      data: { charge_id: charge.id, amount: charge.amount, currency: charge.currency, reference: settled.reference },
    });
    if (c.outcome === 'failed' && sub.status === 'active') {
      const after = await this.subscriptions.update(sub.id, { status: transition(sub.status, 'past_due'), past_due_since: now }, now);
      await this.journal.changed(
        after,
        sub,
        'past_due',
        { actor: c.actor, client: c.client, action: 'subscription.past_due', data: { charge_id: charge.id } },
        charge,
      );
    }
    if (c.outcome === 'paid' && sub.status === 'past_due' && !(await this.subscriptions.openCharges(sub.id)).length) {
      const after = await this.subscriptions.update(sub.id, { status: transition(sub.status, 'active'), past_due_since: null }, now);
      await this.journal.changed(
        after,
        sub,
        'payment_recovered',
        { actor: c.actor, client: c.client, action: 'subscription.payment_recovered', data: { charge_id: charge.id } },
        charge,
      );
    }
    return toChargeView(settled);
  }
}
