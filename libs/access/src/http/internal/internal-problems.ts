/** The internal API's security scheme in the OpenAPI document (API keys, `Authorization: Bearer ue_…`). */
export { INTERNAL_SECURITY as INTERNAL_API, INTERNAL_KEY_PROBLEMS } from '@user-engine/kernel';

export { INVALID } from '../problems';
