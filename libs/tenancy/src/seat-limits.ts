import { Injectable } from '@nestjs/common';
import { queryRows, UnitOfWork } from '@user-engine/kernel';

/** How many seats a tenant uses: active members, and open (unexpired) invitations that may become ones. */
export interface SeatUsage {
  active: number;
  pending: number;
}

/**
 * What is about to take a seat: an `invitation` (counted against active members and the other open
 * invitations) or a `member` joining or coming back (an accepted invitation, a reactivation).
 */
export interface SeatRequest {
  tenantId: string;
  adding: 'invitation' | 'member';
  usage: SeatUsage;
}

/** Refuses (with a DomainError) a seat the tenant does not have. */
export type SeatGuard = (request: SeatRequest) => Promise<void>;

/**
 * Where the subscription module limits a tenant's members to its plan's seats. Tenancy calls the
 * guards inside the transaction that adds the member, after locking the tenant row (as every
 * membership change does), so two accepts cannot both take the last seat. Without a guard (the
 * subscription module off) seats are unlimited and nothing is counted.
 */
@Injectable()
export class SeatLimits {
  private readonly guards: SeatGuard[] = [];

  constructor(private readonly uow: UnitOfWork) {}

  addGuard(guard: SeatGuard): void {
    this.guards.push(guard);
  }

  async assertAvailable(tenantId: string, adding: SeatRequest['adding']): Promise<void> {
    if (!this.guards.length) return;
    const usage = await this.usage(tenantId);
    for (const guard of this.guards) await guard({ tenantId, adding, usage });
  }

  /** Seats in use, in the current unit of work (the tenant's scope). */
  async usage(tenantId: string): Promise<SeatUsage> {
    const [row] = await queryRows<{ active: number; pending: number }>(
      this.uow.manager,
      `SELECT (SELECT count(*)::int FROM tenancy.memberships WHERE tenant_id = $1 AND status = 'active') AS active,
              (SELECT count(*)::int FROM tenancy.invitations WHERE tenant_id = $1 AND status = 'pending' AND expires_at > now()) AS pending`,
      [tenantId],
    );
    return { active: row.active, pending: row.pending };
  }
}
