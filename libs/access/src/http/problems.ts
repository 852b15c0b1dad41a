/** Problem responses shared by the access routes (for the OpenAPI document). */
export { TOKEN_PROBLEMS, INVALID_REQUEST as INVALID, TENANT_ACCESS_PROBLEMS as TENANT_ACCESS } from '@user-engine/kernel';

export const PLATFORM_ONLY: [number, ...string[]] = [403, 'AUTHZ.FORBIDDEN'];
