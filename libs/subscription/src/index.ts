// The subscription module's public surface: its commands for the integration module's reactions,
// its queries, the clock (operations and tests drive it) and the billing port.
export * from './subscription.module';
export * from './subscription.config';
export { StartTrial } from './commands/start-trial/start-trial.command';
export { EndSubscription } from './commands/end-subscription/end-subscription.command';
export { ClearMemberPlans } from './commands/clear-member-plans/clear-member-plans.command';
export { ChangePlan } from './commands/change-plan/change-plan.command';
export { RecordPayment } from './commands/record-payment/record-payment.command';
export { GetSubscription } from './queries/get-subscription/get-subscription.query';
export { GetEntitlements } from './queries/get-entitlements/get-entitlements.query';
export { SubscriptionClock, type ClockRun } from './subscription-clock';
export { BILLING_PROVIDER, type BillingProvider } from './billing/billing-provider';
export { tenantSubject, userSubject, type Subject } from './domain/subject';
export type { PlanView, SubscriptionView, ChargeView } from './queries/views';

import { subscriptionConfig } from './subscription.config';
import { SubscriptionModule } from './subscription.module';

/**
 * What the composition root mounts when MODULES includes `subscription`: tenants, members and seats
 * come from tenancy; trials start and subjects end only through the integration module's reactions.
 */
export const subscriptionFeature = {
  module: SubscriptionModule,
  configs: [subscriptionConfig],
  requires: ['account', 'tenancy', 'integration'],
};
