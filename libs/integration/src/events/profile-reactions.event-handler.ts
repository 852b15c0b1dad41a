import { CommandBus } from '@nestjs/cqrs';
import {
  type IntegrationEvent,
  MembershipRemoved,
  type MembershipRemovedV1,
  TenantDeleted,
  type TenantDeletedV1,
  UserCreated,
  type UserCreatedV1,
  UserDeleted,
  type UserDeletedV1,
} from '@user-engine/contracts';
import { IntegrationEventHandler } from '@user-engine/kernel';
import { CreateProfile, EraseUserProfile, RemoveMemberLayer, RemoveTenantLayers } from '@user-engine/profile';

// Each reaction runs in the dispatcher's transaction together with its inbox record, in the scope
// its command declares: a redelivered event finds the record and does nothing, and a crash before
// the commit leaves the event pending for the next process.

/** `user.created` → the new user's global profile, named as at sign-up. */
@IntegrationEventHandler(UserCreated, { name: 'integration.profile.user-created', scope: 'global' })
export class CreateProfileOnUserCreated {
  constructor(private readonly commands: CommandBus) {}

  async handle(event: IntegrationEvent<UserCreatedV1>): Promise<void> {
    await this.commands.execute(new CreateProfile(event.payload.user_id, event.payload.display_name));
  }
}

/** `user.deleted` → the profile and every tenant layer of the user are erased. */
@IntegrationEventHandler(UserDeleted, { name: 'integration.profile.user-deleted', scope: 'platform' })
export class EraseProfileOnUserDeleted {
  constructor(private readonly commands: CommandBus) {}

  async handle(event: IntegrationEvent<UserDeletedV1>): Promise<void> {
    await this.commands.execute(new EraseUserProfile(event.payload.user_id));
  }
}

/** `tenant.deleted` → the tenant's layers go at once (a deleted tenant is never restored, and nobody reads them). */
@IntegrationEventHandler(TenantDeleted, { name: 'integration.profile.tenant-deleted', scope: 'event-tenant' })
export class RemoveLayersOnTenantDeleted {
  constructor(private readonly commands: CommandBus) {}

  async handle(event: IntegrationEvent<TenantDeletedV1>): Promise<void> {
    await this.commands.execute(new RemoveTenantLayers(event.payload.tenant_id));
  }
}

/** `membership.removed` → the former member's layer in that tenant goes (it would reappear if they rejoined). */
@IntegrationEventHandler(MembershipRemoved, { name: 'integration.profile.membership-removed', scope: 'event-tenant' })
export class RemoveLayerOnMembershipRemoved {
  constructor(private readonly commands: CommandBus) {}

  async handle(event: IntegrationEvent<MembershipRemovedV1>): Promise<void> {
    await this.commands.execute(new RemoveMemberLayer(event.payload.tenant_id, event.payload.user_id));
  }
}

export const PROFILE_REACTIONS = [
  CreateProfileOnUserCreated,
  EraseProfileOnUserDeleted,
  RemoveLayersOnTenantDeleted,
  RemoveLayerOnMembershipRemoved,
];
