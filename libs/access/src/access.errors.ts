import { DomainError, type FieldError } from '@user-engine/kernel';

const field = (path: string, message: string, rule: string) => ({ errors: [{ path, message, rule }] });

/** The access module's errors. Authorization refusals carry the decision's reason. */
export const AccessErrors = {
  forbidden: (reason: string, permission: string) =>
    new DomainError('forbidden', 'AUTHZ.FORBIDDEN', `You do not have permission to do this (${permission}).`, {
      extensions: { reason, permission },
    }),
  tenantMismatch: () =>
    new DomainError('forbidden', 'AUTHZ.TENANT_MISMATCH', 'This access token was issued for another tenant.', {
      extensions: { reason: 'token_tenant_mismatch' },
    }),
  stepUpRequired: (permission: string) =>
    new DomainError('forbidden', 'AUTH.STEP_UP_REQUIRED', 'This needs a stronger sign-in (aal2, after MFA).', {
      extensions: { reason: 'insufficient_assurance', permission, required_acr: 'aal2' },
    }),
  unknownRole: (keys: string[], path = 'roles') =>
    new DomainError(
      'invalid',
      'ACCESS.UNKNOWN_ROLE',
      `Unknown role(s): ${keys.join(', ')}.`,
      field(path, `unknown role(s): ${keys.join(', ')}`, 'ACCESS.UNKNOWN_ROLE'),
    ),
  unknownPermission: (keys: string[]) =>
    new DomainError(
      'invalid',
      'ACCESS.UNKNOWN_PERMISSION',
      `Unknown or non-tenant permission(s): ${keys.join(', ')}.`,
      field('permissions', `unknown permission(s): ${keys.join(', ')}`, 'ACCESS.UNKNOWN_PERMISSION'),
    ),
  roleCycle: (path: string[]) =>
    new DomainError('invalid', 'ACCESS.ROLE_CYCLE', `Roles would inherit from themselves: ${path.join(' → ')}.`, {
      ...field('inherits', `inheritance cycle ${path.join(' → ')}`, 'ACCESS.ROLE_CYCLE'),
      extensions: { cycle: path },
    }),
  roleExists: () =>
    new DomainError('conflict', 'ACCESS.ROLE_EXISTS', 'A role with this key exists.', field('key', 'key is taken', 'ACCESS.ROLE_EXISTS')),
  roleNotFound: () => new DomainError('not_found', 'ACCESS.ROLE_NOT_FOUND', 'No such role.'),
  builtInRole: () => new DomainError('conflict', 'ACCESS.BUILT_IN_ROLE', 'Built-in roles cannot be changed or deleted.'),
  roleInUse: (members: number, inheritedBy: string[]) =>
    new DomainError('conflict', 'ACCESS.ROLE_IN_USE', 'The role is held by members or inherited by other roles: reassign them first.', {
      extensions: { members, inherited_by: inheritedBy },
    }),
  grantExceeds: (permissions: string[]) =>
    new DomainError('forbidden', 'AUTHZ.FORBIDDEN', 'You cannot grant permissions you do not hold yourself.', {
      extensions: { reason: 'grant_exceeds_own_permissions', permissions },
    }),
  ownerOnly: () =>
    new DomainError('forbidden', 'AUTHZ.FORBIDDEN', 'Only an owner can give, change or take the owner role.', {
      extensions: { reason: 'owner_protected' },
    }),
  targetExceeds: () =>
    new DomainError('forbidden', 'AUTHZ.FORBIDDEN', 'You cannot change the roles of a member who holds permissions you do not.', {
      extensions: { reason: 'target_exceeds_own_permissions' },
    }),
  apiKeyRequired: (detail = 'The internal API needs an API key: Authorization: Bearer ue_…') =>
    new DomainError('unauthenticated', 'AUTH.API_KEY_REQUIRED', detail, {
      headers: { 'WWW-Authenticate': 'Bearer realm="user-engine-internal"' },
    }),
  apiKeyInvalid: () =>
    new DomainError('unauthenticated', 'AUTH.API_KEY_INVALID', 'The API key is not valid.', {
      headers: { 'WWW-Authenticate': 'Bearer realm="user-engine-internal", error="invalid_token"' },
    }),
  apiKeyRevoked: () =>
    new DomainError('unauthenticated', 'AUTH.API_KEY_REVOKED', 'The API key was revoked.', {
      headers: { 'WWW-Authenticate': 'Bearer realm="user-engine-internal", error="invalid_token"' },
    }),
  apiKeyExpired: () =>
    new DomainError('unauthenticated', 'AUTH.API_KEY_EXPIRED', 'The API key has expired.', {
      headers: { 'WWW-Authenticate': 'Bearer realm="user-engine-internal", error="invalid_token"' },
    }),
  apiKeyApplicationDisabled: () =>
    new DomainError('forbidden', 'AUTH.APPLICATION_DISABLED', "The key's application is disabled.", {
      extensions: { reason: 'application_disabled' },
    }),
  apiKeyThrottled: (retryAfterSeconds: number) =>
    new DomainError('rate_limited', 'AUTH.API_KEY_THROTTLED', 'Too many failed API-key attempts from this address; try later.', {
      headers: { 'Retry-After': String(retryAfterSeconds) },
    }),
  apiKeyScope: (scope: string) =>
    new DomainError('forbidden', 'AUTHZ.API_KEY_SCOPE', `The API key lacks the scope ${scope}.`, {
      extensions: { reason: 'missing_scope', scope },
    }),
  apiKeyTenant: () =>
    new DomainError('forbidden', 'AUTHZ.API_KEY_TENANT', 'The API key is bound to another tenant.', {
      extensions: { reason: 'key_tenant_mismatch' },
    }),
  userNotFound: () => new DomainError('not_found', 'ACCOUNT.USER_NOT_FOUND', 'No such user.'),
  applicationKeyTaken: () =>
    new DomainError(
      'conflict',
      'ACCESS.APPLICATION_KEY_TAKEN',
      'An application with this key is registered.',
      field('key', 'key is taken', 'ACCESS.APPLICATION_KEY_TAKEN'),
    ),
  applicationDisabled: () => new DomainError('conflict', 'ACCESS.APPLICATION_DISABLED', 'The application is disabled: enable it first.'),
  reservedApplicationKey: (key: string) =>
    new DomainError(
      'conflict',
      'ACCESS.APPLICATION_KEY_TAKEN',
      `"${key}" is a namespace of User Engine's own permissions.`,
      field('key', 'key is reserved', 'ACCESS.APPLICATION_KEY_RESERVED'),
    ),
  apiKeyNotFound: () => new DomainError('not_found', 'ACCESS.API_KEY_NOT_FOUND', 'No such API key.'),
  catalogNotFound: () => new DomainError('not_found', 'ACCESS.CATALOG_NOT_FOUND', 'The application has not published a catalog.'),
  permissionInUse: (inUse: { key: string; roles: number; tenants: number }[]) =>
    new DomainError(
      'conflict',
      'ACCESS.CATALOG_PERMISSION_IN_USE',
      `Permission(s) still used by custom roles would disappear: ${inUse.map((p) => p.key).join(', ')}. Keep them, or list them in "deprecated".`,
      { extensions: { permissions: inUse } },
    ),
  catalogIncompatible: (errors: FieldError[]) =>
    new DomainError('conflict', 'ACCESS.CATALOG_INCOMPATIBLE', "An attribute's type or scope cannot change: publish it under a new key.", {
      errors,
    }),
  deprecatedPermission: (keys: string[]) =>
    new DomainError(
      'invalid',
      'ACCESS.PERMISSION_DEPRECATED',
      `Deprecated permission(s) cannot be added to a role: ${keys.join(', ')}.`,
      field('permissions', `deprecated permission(s): ${keys.join(', ')}`, 'ACCESS.PERMISSION_DEPRECATED'),
    ),
  applicationNotFound: () => new DomainError('not_found', 'ACCESS.APPLICATION_NOT_FOUND', 'No such application.'),
  userNotActive: () =>
    new DomainError('conflict', 'ACCESS.USER_NOT_ACTIVE', 'Only an active, verified account can become a platform operator.'),
  alreadyOperator: () => new DomainError('conflict', 'ACCESS.ALREADY_OPERATOR', 'This user is a platform operator already.'),
  notOperator: () => new DomainError('not_found', 'ACCESS.NOT_OPERATOR', 'This user is not a platform operator.'),
  lastOperator: () => new DomainError('conflict', 'ACCESS.LAST_OPERATOR', 'The last platform operator cannot be removed.'),
};
