import type { PermissionDefinition, ServiceScopeDefinition } from '@user-engine/kernel';

/** Permissions the access module enforces. */
export const ACCESS_PERMISSIONS: readonly PermissionDefinition[] = [
  { key: 'roles:read', description: "See the tenant's roles and their permissions.", scope: 'tenant', minRole: 'viewer' },
  { key: 'roles:manage', description: 'Create, change and delete custom roles.', scope: 'tenant', minRole: 'admin' },
  { key: 'roles:assign', description: "Change members' roles (never beyond your own permissions).", scope: 'tenant', minRole: 'admin' },
  { key: 'platform:users.read', description: 'Search every user.', scope: 'platform' },
  { key: 'platform:users.manage', description: 'Suspend and reactivate users.', scope: 'platform' },
  { key: 'platform:operators.manage', description: 'Grant and revoke the platform-operator role.', scope: 'platform' },
  { key: 'platform:applications.read', description: 'See the registered applications.', scope: 'platform' },
  { key: 'platform:applications.manage', description: 'Register, change, disable and enable applications.', scope: 'platform' },
];

export const PLATFORM_OPERATOR = 'platform-operator';

/** What an application's API key may be allowed to call on the internal API. */
export const SERVICE_SCOPES: readonly ServiceScopeDefinition[] = [
  { key: 'users:read', description: 'Look users up by id, email or a batch of ids.' },
  { key: 'members:read', description: "Read a tenant's memberships with their roles and effective permissions." },
  { key: 'authz:check', description: 'Ask the decision point whether a user may use a permission in a tenant.' },
  {
    key: 'identities:link',
    description: 'Link an external identity to a user (it can then sign in as that user): platform-wide keys only.',
    platformOnly: true,
  },
];
