import type { PermissionDefinition, ServiceScopeDefinition } from '@user-engine/kernel';

/** Permissions the profile module enforces. */
export const PROFILE_PERMISSIONS: readonly PermissionDefinition[] = [
  { key: 'profile:read', description: "Read members' effective profiles in the tenant.", scope: 'tenant', minRole: 'admin' },
];

/** What an API key may be allowed to call on the profile part of the internal API. */
export const PROFILE_SERVICE_SCOPES: readonly ServiceScopeDefinition[] = [
  {
    key: 'profiles:read',
    description: "Read users' profile projections: the fields the application's catalog declares and its own attributes.",
  },
];
