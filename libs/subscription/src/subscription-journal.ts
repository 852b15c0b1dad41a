import { Injectable } from '@nestjs/common';
import {
  type EventActorV1,
  type EventDefinition,
  SubscriptionChanged,
  type SubscriptionChangedV1,
  type SubscriptionStateV1,
} from '@user-engine/contracts';
import { AuditLog, type ClientInfo, OutboxPublisher } from '@user-engine/kernel';
import type { SubscriptionRow } from './persistence/subscriptions.repository';
import { toState } from './queries/views';

/** Who changed a subscription: a user (owner, admin, operator), a service (the billing provider), or the clock. */
export interface SubscriptionActor {
  type: 'user' | 'service' | 'system';
  id: string | null;
}

export const CLOCK_ACTOR: SubscriptionActor = { type: 'system', id: 'subscription-clock' };
export const REACTION_ACTOR: SubscriptionActor = { type: 'system', id: 'subscription' };

/**
 * Every change of a subscription is audited — in its tenant's chain for a tenant's, the platform's
 * for a user's — and most tell other modules and services through an event carrying the
 * subscription's state after the change, both in the transaction of the change.
 */
@Injectable()
export class SubscriptionJournal {
  constructor(
    private readonly audit: AuditLog,
    private readonly outbox: OutboxPublisher,
  ) {}

  async record<P extends SubscriptionStateV1>(
    sub: SubscriptionRow,
    entry: { actor: SubscriptionActor; client?: ClientInfo; action: string; data?: Record<string, unknown> },
    event?: { definition: EventDefinition<P>; extra: Omit<P, keyof SubscriptionStateV1> },
  ): Promise<void> {
    await this.audit.append({
      tenantId: sub.tenant_id,
      actor: entry.actor,
      action: entry.action,
      outcome: 'success',
      resource: { type: 'subscription', id: sub.id },
      ip: entry.client?.ip,
      userAgent: entry.client?.userAgent,
      data: { subject_type: sub.subject_type, subject_id: sub.subject_id, plan: sub.plan_key, status: sub.status, ...entry.data },
    });
    if (event) {
      await this.outbox.publish(event.definition, {
        tenantId: sub.tenant_id,
        aggregate: { type: 'subscription', id: sub.id },
        actor: entry.actor as EventActorV1,
        payload: { ...toState(sub), ...event.extra } as P,
      });
    }
  }

  /** A change recorded as `subscription.changed`: what changed, from `before`, with the charge it caused if any. */
  changed(
    after: SubscriptionRow,
    before: SubscriptionRow,
    change: SubscriptionChangedV1['change'],
    entry: { actor: SubscriptionActor; client?: ClientInfo; action: string; data?: Record<string, unknown> },
    charge?: { id: string; amount: number } | null,
  ): Promise<void> {
    return this.record(after, entry, {
      definition: SubscriptionChanged,
      extra: {
        change,
        previous_plan: before.plan_key,
        previous_status: before.status,
        charge_id: charge?.id ?? null,
        amount: charge?.amount ?? 0,
      },
    });
  }
}
