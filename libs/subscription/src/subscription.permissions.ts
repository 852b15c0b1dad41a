import type { PermissionDefinition, ServiceScopeDefinition } from '@user-engine/kernel';

/** Permissions the subscription module enforces. */
export const SUBSCRIPTION_PERMISSIONS: readonly PermissionDefinition[] = [
  {
    key: 'subscription:read',
    description: "See the tenant's subscription, its charges and members' plan overrides.",
    scope: 'tenant',
    minRole: 'admin',
  },
  {
    key: 'subscription:manage',
    description: "Change, cancel and resume the tenant's subscription; set members' plan overrides.",
    scope: 'tenant',
    minRole: 'admin',
  },
  { key: 'platform:plans.manage', description: 'Create, change, archive and restore plans.', scope: 'platform' },
  { key: 'platform:subscriptions.manage', description: 'See any subscription and record payments of its charges.', scope: 'platform' },
];

/** What an API key may be allowed to call on the subscription part of the internal API. */
export const SUBSCRIPTION_SERVICE_SCOPES: readonly ServiceScopeDefinition[] = [
  { key: 'entitlements:read', description: 'Read the plan and features that apply to a tenant or one of its members.' },
  {
    key: 'payments:write',
    description: 'Record the outcome of a charge (the billing provider reporting a payment): platform-wide keys only.',
    platformOnly: true,
  },
];
