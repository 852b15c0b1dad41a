import { Injectable } from '@nestjs/common';
import { type EventDefinition, MembershipUpdated, type MembershipUpdatedV1 } from '@user-engine/contracts';
import { AuditLog, ChangeFeed, type ClientInfo, OutboxPublisher, type Principal } from '@user-engine/kernel';
import type { MembershipRow } from './persistence/tenancy.rows';
import { TENANCY_CHANGES, TENANCY_MEMBER_CHANGES } from './tenant-role-policy';

export interface JournalEntry<P> {
  tenantId: string;
  actor: Principal | { kind: 'system' };
  client?: ClientInfo;
  /** Audit action, e.g. `membership.suspended`. */
  action: string;
  resource: { type: string; id: string };
  data?: Record<string, unknown>;
  event?: { definition: EventDefinition<P>; aggregate: { type: string; id: string }; payload: NoInfer<P> };
  /** Whether authorization facts changed (memberships, roles, tenant status). */
  authzChanged?: boolean;
}

/** The `membership.updated` event of a member whose status or roles went from `before` to `after`. */
export function membershipUpdated(before: MembershipRow, after: MembershipRow): JournalEntry<MembershipUpdatedV1>['event'] {
  return {
    definition: MembershipUpdated,
    aggregate: { type: 'membership', id: `${after.tenant_id}:${after.user_id}` },
    payload: {
      tenant_id: after.tenant_id,
      user_id: after.user_id,
      status: after.status,
      roles: after.roles,
      previous_status: before.status,
      previous_roles: before.roles,
    },
  };
}

/**
 * What every tenancy change writes in its own transaction: the tenant's audit entry, the integration
 * event, and for state changes the signals that drop cached facts of the tenant and its member
 * (here at commit, on other processes within milliseconds).
 */
@Injectable()
export class TenancyJournal {
  constructor(
    private readonly audit: AuditLog,
    private readonly outbox: OutboxPublisher,
    private readonly changes: ChangeFeed,
  ) {}

  async record<P>(e: JournalEntry<P>): Promise<void> {
    const actor = e.actor.kind === 'user' ? { type: 'user' as const, id: e.actor.userId } : { type: 'system' as const };
    await this.audit.append({
      tenantId: e.tenantId,
      actor,
      action: e.action,
      outcome: 'success',
      resource: e.resource,
      ip: e.client?.ip ?? null,
      userAgent: e.client?.userAgent ?? null,
      data: e.data,
    });
    if (e.event) {
      await this.outbox.publish(e.event.definition, {
        tenantId: e.tenantId,
        aggregate: e.event.aggregate,
        actor: actor.type === 'user' ? { type: 'user', id: actor.id } : { type: 'system', id: null },
        payload: e.event.payload,
      });
    }
    // Caches of tenant facts (authorization, "my tenants") drop what a state change touched.
    if (e.authzChanged || e.event) await this.changes.changed(TENANCY_CHANGES, e.tenantId);
    if (e.event && e.resource.type === 'membership') await this.changes.changed(TENANCY_MEMBER_CHANGES, e.resource.id);
  }
}
