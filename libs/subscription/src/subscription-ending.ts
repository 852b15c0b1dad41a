import { Injectable } from '@nestjs/common';
import { SubscriptionCanceled, TrialEnded } from '@user-engine/contracts';
import type { ClientInfo } from '@user-engine/kernel';
import { transition } from './domain/subscription-status';
import { type SubscriptionRow, SubscriptionsRepository } from './persistence/subscriptions.repository';
import { type SubscriptionActor, SubscriptionJournal } from './subscription-journal';

/**
 * Ends a subscription by cancellation — on request, at the end of its period, or with its subject —
 * the same way wherever it happens: the status, the event, the audit entry, and `trial.ended` when
 * a trial is cut short.
 */
@Injectable()
export class SubscriptionEnding {
  constructor(
    private readonly subscriptions: SubscriptionsRepository,
    private readonly journal: SubscriptionJournal,
  ) {}

  async cancel(
    sub: SubscriptionRow,
    c: { reason: 'requested' | 'period_end' | 'subject_deleted'; actor: SubscriptionActor; client?: ClientInfo; at: Date },
  ): Promise<SubscriptionRow> {
    const after = await this.subscriptions.update(
      sub.id,
      { status: transition(sub.status, 'canceled'), canceled_at: c.at, ended_at: c.at, past_due_since: null, scheduled_plan_key: null },
      c.at,
    );
    if (sub.status === 'trialing') {
      await this.journal.record(
        after,
        { actor: c.actor, client: c.client, action: 'trial.ended', data: { reason: 'canceled' } },
        { definition: TrialEnded, extra: { reason: 'canceled', ended_at: c.at.toISOString() } },
      );
    }
    await this.journal.record(
      after,
      { actor: c.actor, client: c.client, action: 'subscription.canceled', data: { reason: c.reason, previous_status: sub.status } },
      { definition: SubscriptionCanceled, extra: { reason: c.reason, canceled_at: c.at.toISOString() } },
    );
    return after;
  }
}
