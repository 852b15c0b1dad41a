/** The internal API's security scheme in the OpenAPI document (API keys, `Authorization: Bearer ue_…`). */
export const INTERNAL_API = 'api_key';

/** Problems every internal route may answer: the key's own. */
export const INTERNAL_KEY_PROBLEMS: [number, ...string[]][] = [
  [401, 'AUTH.API_KEY_REQUIRED', 'AUTH.API_KEY_INVALID', 'AUTH.API_KEY_REVOKED', 'AUTH.API_KEY_EXPIRED'],
  [403, 'AUTH.APPLICATION_DISABLED', 'AUTHZ.API_KEY_SCOPE', 'AUTHZ.API_KEY_TENANT'],
  [429, 'AUTH.API_KEY_THROTTLED'],
];

export { INVALID } from '../problems';
