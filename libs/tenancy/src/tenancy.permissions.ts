import type { PermissionDefinition } from '@user-engine/kernel';

/** Permissions the tenancy module enforces, with the lowest built-in role holding each. */
export const TENANCY_PERMISSIONS: readonly PermissionDefinition[] = [
  { key: 'tenants:read', description: 'See the tenant.', scope: 'tenant', minRole: 'viewer' },
  {
    key: 'tenants:manage',
    description: 'Rename the tenant and change its slug; read its onboarding diagnostics.',
    scope: 'tenant',
    minRole: 'admin',
  },
  { key: 'tenants:delete', description: 'Delete the tenant.', scope: 'tenant', minRole: 'owner' },
  { key: 'members:read', description: 'List members and their roles.', scope: 'tenant', minRole: 'viewer' },
  { key: 'members:invite', description: 'Invite people, list, re-send and revoke invitations.', scope: 'tenant', minRole: 'editor' },
  { key: 'members:manage', description: 'Suspend, reactivate and remove members.', scope: 'tenant', minRole: 'admin' },
  { key: 'audit:read', description: "Read and export the tenant's audit trail.", scope: 'tenant', minRole: 'admin' },
  { key: 'platform:tenants.read', description: 'List every tenant.', scope: 'platform' },
  { key: 'platform:tenants.manage', description: 'Suspend and reactivate tenants.', scope: 'platform' },
];
