import { defineEvent } from './envelope';

/**
 * `profile.updated` v1: a user's global profile (`layer: "global"`, no tenant) or their layer in one
 * tenant (`layer: "tenant"`) changed. `changes` names the fields (`display_name`) and application
 * attributes (`attributes.crm.region`) written; the values are not in the event (they are personal
 * data): read them through `GET /internal/v1/users/{id}/profile`.
 */
export interface ProfileUpdatedV1 {
  user_id: string;
  tenant_id: string | null;
  layer: 'global' | 'tenant';
  changes: string[];
  updated_at: string;
}

export const ProfileUpdated = defineEvent<ProfileUpdatedV1>('profile.updated', 1);
