import { CommandBus } from '@nestjs/cqrs';
import {
  type IntegrationEvent,
  MembershipRemoved,
  type MembershipRemovedV1,
  TenantCreated,
  type TenantCreatedV1,
  TenantDeleted,
  type TenantDeletedV1,
  UserCreated,
  type UserCreatedV1,
  UserDeleted,
  type UserDeletedV1,
} from '@user-engine/contracts';
import { IntegrationEventHandler } from '@user-engine/kernel';
import { ClearMemberPlans, EndSubscription, StartTrial, tenantSubject, userSubject } from '@user-engine/subscription';

// Like the profile reactions: each runs in the dispatcher's transaction with its inbox record, so a
// redelivered event does nothing and a crash before the commit leaves the event for the next process.
// The trial itself is claimed once per subject, ever, whatever event asks for it.

/** `user.created` → the user's trial (when SUBSCRIPTION_TRIAL_SUBJECTS includes users). */
@IntegrationEventHandler(UserCreated, { name: 'integration.subscription.user-created', scope: 'global' })
export class StartTrialOnUserCreated {
  constructor(private readonly commands: CommandBus) {}

  async handle(event: IntegrationEvent<UserCreatedV1>): Promise<void> {
    await this.commands.execute(new StartTrial(userSubject(event.payload.user_id)));
  }
}

/** `tenant.created` → the tenant's trial (when SUBSCRIPTION_TRIAL_SUBJECTS includes tenants). */
@IntegrationEventHandler(TenantCreated, { name: 'integration.subscription.tenant-created', scope: 'event-tenant' })
export class StartTrialOnTenantCreated {
  constructor(private readonly commands: CommandBus) {}

  async handle(event: IntegrationEvent<TenantCreatedV1>): Promise<void> {
    await this.commands.execute(new StartTrial(tenantSubject(event.payload.tenant_id)));
  }
}

/** `user.deleted` → the user's own subscription ends. */
@IntegrationEventHandler(UserDeleted, { name: 'integration.subscription.user-deleted', scope: 'global' })
export class EndSubscriptionOnUserDeleted {
  constructor(private readonly commands: CommandBus) {}

  async handle(event: IntegrationEvent<UserDeletedV1>): Promise<void> {
    await this.commands.execute(new EndSubscription(userSubject(event.payload.user_id)));
  }
}

/** `user.deleted` → their plan overrides in every tenant go (platform scope: across tenants). */
@IntegrationEventHandler(UserDeleted, { name: 'integration.subscription.user-deleted-overrides', scope: 'platform' })
export class ClearMemberPlansOnUserDeleted {
  constructor(private readonly commands: CommandBus) {}

  async handle(event: IntegrationEvent<UserDeletedV1>): Promise<void> {
    await this.commands.execute(new ClearMemberPlans(null, event.payload.user_id));
  }
}

/** `tenant.deleted` → the tenant's subscription ends at once (nothing more is charged for it). */
@IntegrationEventHandler(TenantDeleted, { name: 'integration.subscription.tenant-deleted', scope: 'event-tenant' })
export class EndSubscriptionOnTenantDeleted {
  constructor(private readonly commands: CommandBus) {}

  async handle(event: IntegrationEvent<TenantDeletedV1>): Promise<void> {
    await this.commands.execute(new EndSubscription(tenantSubject(event.payload.tenant_id)));
  }
}

/** `membership.removed` → the former member's plan override in that tenant goes (it would return if they rejoined). */
@IntegrationEventHandler(MembershipRemoved, { name: 'integration.subscription.membership-removed', scope: 'event-tenant' })
export class ClearMemberPlanOnMembershipRemoved {
  constructor(private readonly commands: CommandBus) {}

  async handle(event: IntegrationEvent<MembershipRemovedV1>): Promise<void> {
    await this.commands.execute(new ClearMemberPlans(event.payload.tenant_id, event.payload.user_id));
  }
}

export const SUBSCRIPTION_REACTIONS = [
  StartTrialOnUserCreated,
  StartTrialOnTenantCreated,
  EndSubscriptionOnUserDeleted,
  ClearMemberPlansOnUserDeleted,
  EndSubscriptionOnTenantDeleted,
  ClearMemberPlanOnMembershipRemoved,
];
