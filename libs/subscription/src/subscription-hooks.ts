import { Injectable, OnModuleInit } from '@nestjs/common';
import { AccountExtensions } from '@user-engine/account';
import { AccessGate, type EntitlementChecker, type Principal, Scopes, type ServicePrincipal, UnitOfWork } from '@user-engine/kernel';
import { type DiagnosticCheck, DiagnosticChecks, SeatLimits, type SeatRequest } from '@user-engine/tenancy';
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
    private readonly diagnostics: DiagnosticChecks,
  ) {}

  onModuleInit(): void {
    this.extensions.usePlans({ planFor: async (userId, tenantId) => (await this.effectivePlan(userId, tenantId)).plan });
    this.seats.addGuard((request) => this.assertSeat(request));
    this.gate.useEntitlements(this);
    this.diagnostics.add((tenantId) => this.diagnose(tenantId));
  }

  /** The tenant's subscription in its onboarding diagnostics: none, past due or over its seats warns. */
  private diagnose(tenantId: string): Promise<DiagnosticCheck> {
    return this.uow.run(Scopes.tenant(tenantId), async () => {
      const sub = await this.subscriptions.current({ type: 'tenant', id: tenantId });
      if (!sub) {
        return {
          key: 'subscription',
          status: 'warn',
          message: 'No current subscription: no plan applies here.',
          details: { status: null },
        };
      }
      const [seats, usage, open] = await Promise.all([
        this.subscriptions.tenantSeats(tenantId),
        this.seats.usage(tenantId),
        this.subscriptions.openCharges(sub.id),
      ]);
      const limit = seats?.seats ?? null;
      const details = {
        status: sub.status,
        plan: sub.plan_key,
        scheduled_plan: sub.scheduled_plan_key,
        trial_ends_at: sub.trial_ends_at?.toISOString() ?? null,
        current_period_end: sub.current_period_end.toISOString(),
        cancel_at_period_end: sub.cancel_at_period_end,
        seats: { limit, used: usage.active },
        open_charges: open.length,
      };
      const until = sub.current_period_end.toISOString().slice(0, 10);
      if (sub.status === 'past_due')
        return {
          key: 'subscription',
          status: 'warn',
          message: `Plan ${sub.plan_key} is past due: settle its open charges before it expires.`,
          details,
        };
      if (limit !== null && usage.active > limit)
        return {
          key: 'subscription',
          status: 'warn',
          message: `${usage.active} active members exceed plan ${sub.plan_key}'s ${limit} seats.`,
          details,
        };
      const what =
        sub.status === 'trialing' ? `Trial of plan ${sub.plan_key} until ${until}` : `Plan ${sub.plan_key}, period ends ${until}`;
      return { key: 'subscription', status: 'ok', message: `${what}${sub.cancel_at_period_end ? ', then cancels' : ''}.`, details };
    });
  }

  async assertFeature(need: { principal: Principal | ServicePrincipal; tenantId?: string; feature: string }): Promise<void> {
    const userId = need.principal.kind === 'user' ? need.principal.userId : null;
    // The route's tenant, else the one the token or key is bound to: a tenant-scoped token names its
    // tenant's plan (as its `plan` claim does); without any, a user's own plan and a service none.
    const tenantId = need.tenantId ?? need.principal.tenantId ?? null;
    const applied = userId || tenantId ? await this.effectivePlan(userId, tenantId) : { plan: null, features: null };
    if (!applied.features || !grants(applied.features, need.feature))
      throw SubscriptionErrors.featureNotIncluded(need.feature, applied.plan);
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
    if (problem)
      throw SubscriptionErrors.seatLimit({
        plan,
        seats,
        active,
        // Open invitations count against a new invitation only: the one being accepted is among them.
        pending: request.adding === 'invitation' ? pending : 0,
        requested: problem.requested,
      });
  }
}
