import { Injectable, OnModuleInit } from '@nestjs/common';
import { AccountExtensions } from '@user-engine/account';
import { AccessGate, type EntitlementChecker, type Principal, Scopes, type ServicePrincipal, UnitOfWork } from '@user-engine/kernel';
import { SeatLimits, type SeatRequest } from '@user-engine/tenancy';
import { grants, seatProblem } from './domain/entitlements';
import { SubscriptionsRepository } from './persistence/subscriptions.repository';
import { SubscriptionErrors } from './subscription.errors';

/**
 * What the subscription module plugs into the others when it is mounted: the `plan` claim of
 * tokens (account), the seat limit of memberships (tenancy) and `@RequireFeature()` (the kernel's
 * guard). Without it tokens name no plan, seats are unlimited, and feature-gated routes refuse.
 */
@Injectable()
export class SubscriptionHooks implements OnModuleInit, EntitlementChecker {
  constructor(
    private readonly extensions: AccountExtensions,
    private readonly seats: SeatLimits,
    private readonly gate: AccessGate,
    private readonly uow: UnitOfWork,
    private readonly subscriptions: SubscriptionsRepository,
  ) {}

  onModuleInit(): void {
    this.extensions.usePlans({ planFor: async (userId, tenantId) => (await this.effectivePlan(userId, tenantId)).plan });
    this.seats.addGuard((request) => this.assertSeat(request));
    this.gate.useEntitlements(this);
  }

  async assertFeature(need: { principal: Principal | ServicePrincipal; tenantId?: string; feature: string }): Promise<void> {
    const userId = need.principal.kind === 'user' ? need.principal.userId : null;
    // A service asks about a tenant; without one there is no plan to look at.
    const tenantId = need.tenantId ?? (need.principal.kind === 'service' ? need.principal.tenantId : null) ?? null;
    const applied = userId || tenantId ? await this.effectivePlan(userId, tenantId) : { plan: null, features: null };
    if (!applied.features || !grants(applied.features, need.feature)) throw SubscriptionErrors.featureNotIncluded(need.feature, applied.plan);
  }

  private effectivePlan(userId: string | null, tenantId: string | null) {
    return this.uow.run(tenantId ? Scopes.tenant(tenantId) : Scopes.global, () => this.subscriptions.effectivePlan(userId, tenantId));
  }

  /** Runs in tenancy's transaction, the tenant row locked: the tenant's plan (or a smaller scheduled one) decides. */
  private async assertSeat(request: SeatRequest): Promise<void> {
    const current = await this.subscriptions.tenantSeats(request.tenantId);
    if (!current) return;
    const limits = [current.seats, current.scheduled_seats].filter((s): s is number => s !== null);
    if (!limits.length) return;
    const seats = Math.min(...limits);
    const plan = current.seats === seats ? current.plan : current.scheduled!;
    const { active, pending } = request.usage;
    const problem = request.adding === 'invitation' ? seatProblem(seats, active + pending) : seatProblem(seats, active);
    if (problem) throw SubscriptionErrors.seatLimit({
        plan,
        seats,
        active,
        // Open invitations count against a new invitation only: the one being accepted is among them.
        pending: request.adding === 'invitation' ? pending : 0,
        requested: problem.requested,
      });
  }
}
