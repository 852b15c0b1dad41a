import { PROFILE_FIELDS, type FieldValues } from '../domain/profile-fields';

/** The profile fields a request body names (left-out ones stay undefined: unchanged). */
export function fieldsOf(body: Partial<Record<string, unknown>>): FieldValues {
  const fields: FieldValues = {};
  for (const f of PROFILE_FIELDS) if (body[f] !== undefined) fields[f] = body[f] as string | null;
  return fields;
}
