import { Module, OnModuleInit } from '@nestjs/common';
import { AccountModule } from '@user-engine/account';
import { PermissionCatalog } from '@user-engine/kernel';
import { TenancyModule } from '@user-engine/tenancy';
import { billingProviders, Charges } from './billing/billing-provider';
import { AdvanceSubscriptionHandler } from './commands/advance-subscription/advance-subscription.handler';
import { CancelSubscriptionHandler } from './commands/cancel-subscription/cancel-subscription.handler';
import { ChangePlanHandler } from './commands/change-plan/change-plan.handler';
import { ClearMemberPlansHandler } from './commands/clear-member-plans/clear-member-plans.handler';
import { CreatePlanHandler } from './commands/create-plan/create-plan.handler';
import { EndSubscriptionHandler } from './commands/end-subscription/end-subscription.handler';
import { RecordPaymentHandler } from './commands/record-payment/record-payment.handler';
import { ResumeSubscriptionHandler } from './commands/resume-subscription/resume-subscription.handler';
import { SetMemberPlanHandler } from './commands/set-member-plan/set-member-plan.handler';
import { SetPlanStatusHandler } from './commands/set-plan-status/set-plan-status.handler';
import { StartTrialHandler } from './commands/start-trial/start-trial.handler';
import { UpdatePlanHandler } from './commands/update-plan/update-plan.handler';
import { AdminSubscriptionsController } from './http/admin-subscriptions.controller';
import { InternalSubscriptionsController } from './http/internal-subscriptions.controller';
import { PlansController } from './http/plans.controller';
import { MySubscriptionController, TenantSubscriptionController } from './http/subscriptions.controller';
import { PlansRepository } from './persistence/plans.repository';
import { SubscriptionsRepository } from './persistence/subscriptions.repository';
import { PlanCatalogSeed } from './plan-catalog-seed';
import { GetEntitlementsHandler } from './queries/get-entitlements/get-entitlements.handler';
import { GetPlanHandler } from './queries/get-plan/get-plan.handler';
import { GetSubscriptionHandler } from './queries/get-subscription/get-subscription.handler';
import { ListChargesHandler } from './queries/list-charges/list-charges.handler';
import { ListPlansHandler } from './queries/list-plans/list-plans.handler';
import { SubscriptionViews } from './queries/subscription-views';
import { SubscriptionClock } from './subscription-clock';
import { SubscriptionEnding } from './subscription-ending';
import { SubscriptionHooks } from './subscription-hooks';
import { SubscriptionJournal } from './subscription-journal';
import { SUBSCRIPTION_PERMISSIONS, SUBSCRIPTION_SERVICE_SCOPES } from './subscription.permissions';

/**
 * Plans, subscriptions of users and tenants, trials, the charge ledger, seats and entitlements.
 * It reads tenancy through its exported queries and plugs into account (the token's plan), tenancy
 * (seat limits) and the kernel's guard (`@RequireFeature`); trials and erasure are driven by the
 * integration module's reactions, renewals and expiry by its clock.
 */
@Module({
  imports: [AccountModule, TenancyModule],
  controllers: [
    PlansController,
    MySubscriptionController,
    TenantSubscriptionController,
    AdminSubscriptionsController,
    InternalSubscriptionsController,
  ],
  providers: [
    PlansRepository,
    SubscriptionsRepository,
    SubscriptionJournal,
    SubscriptionEnding,
    SubscriptionViews,
    SubscriptionHooks,
    SubscriptionClock,
    PlanCatalogSeed,
    Charges,
    ...billingProviders,
    StartTrialHandler,
    ChangePlanHandler,
    CancelSubscriptionHandler,
    ResumeSubscriptionHandler,
    RecordPaymentHandler,
    AdvanceSubscriptionHandler,
    SetMemberPlanHandler,
    EndSubscriptionHandler,
    ClearMemberPlansHandler,
    CreatePlanHandler,
    UpdatePlanHandler,
    SetPlanStatusHandler,
    ListPlansHandler,
    GetPlanHandler,
    GetSubscriptionHandler,
    ListChargesHandler,
    GetEntitlementsHandler,
  ],
  exports: [SubscriptionClock],
})
export class SubscriptionModule implements OnModuleInit {
  constructor(private readonly catalog: PermissionCatalog) {}

  onModuleInit(): void {
    this.catalog.register('subscription', SUBSCRIPTION_PERMISSIONS);
    this.catalog.registerServiceScopes('subscription', SUBSCRIPTION_SERVICE_SCOPES);
  }
}
