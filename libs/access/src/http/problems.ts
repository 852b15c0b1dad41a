/** Problem responses shared by the access routes (for the OpenAPI document). */
export const TOKEN_PROBLEMS: [number, ...string[]] = [
  401,
  'AUTH.UNAUTHENTICATED',
  'AUTH.TOKEN_INVALID',
  'AUTH.TOKEN_EXPIRED',
  'AUTH.TOKEN_REVOKED',
];
export const INVALID: [number, ...string[]] = [400, 'KERNEL.VALIDATION_FAILED', 'KERNEL.MALFORMED_JSON'];
export const TENANT_ACCESS: [number, ...string[]][] = [
  [403, 'AUTHZ.FORBIDDEN', 'AUTHZ.TENANT_MISMATCH', 'AUTH.STEP_UP_REQUIRED', 'TENANCY.TENANT_SUSPENDED'],
  [404, 'TENANCY.NOT_FOUND'],
];
export const PLATFORM_ONLY: [number, ...string[]] = [403, 'AUTHZ.FORBIDDEN'];
