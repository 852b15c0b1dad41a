/** Problem responses shared by the tenancy routes (for the OpenAPI document). */
export { TOKEN_PROBLEMS, INVALID_REQUEST as INVALID, TENANT_ACCESS_PROBLEMS as TENANT_ACCESS } from '@user-engine/kernel';
