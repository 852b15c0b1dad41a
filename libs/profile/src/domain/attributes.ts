import { type AttributeCatalog, attributeValueProblem, type AttributeValue, type FieldError } from '@user-engine/kernel';

/** Attribute values as stored: `{application_key: {attribute: value}}`. */
export type AttributeValues = Record<string, Record<string, AttributeValue>>;

/** One attribute write: a value, or null to remove the stored value. */
export interface AttributeChange {
  application: string;
  key: string;
  value: AttributeValue | null;
}

/** At most this many attributes in one request: a body is size-limited, but keep the work bounded too. */
export const MAX_ATTRIBUTE_WRITES = 200;

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Reads `attributes` of a profile write (`{application_key: {attribute: value | null}}`) against the
 * applications' published catalogs: every attribute must exist, belong to the layer being written
 * (`global` through the global profile, `tenant` through a tenant layer) and satisfy its type and
 * constraints. Returns the changes, or field errors with their paths.
 */
export function readAttributeChanges(
  input: unknown,
  catalog: AttributeCatalog,
  layer: 'global' | 'tenant',
): { changes: AttributeChange[]; errors: FieldError[] } {
  const changes: AttributeChange[] = [];
  const errors: FieldError[] = [];
  if (input === undefined) return { changes, errors };
  if (!isPlainObject(input)) {
    errors.push({ path: 'attributes', message: 'attributes must be an object of applications', rule: 'isObject' });
    return { changes, errors };
  }
  for (const [application, values] of Object.entries(input)) {
    const path = `attributes.${application}`;
    const schema = catalog.application(application);
    if (!schema) {
      errors.push({ path, message: `no application publishes profile attributes as "${application}"`, rule: 'unknownApplication' });
      continue;
    }
    if (!isPlainObject(values)) {
      errors.push({ path, message: `${path} must be an object of attributes`, rule: 'isObject' });
      continue;
    }
    for (const [key, value] of Object.entries(values)) {
      const at = `${path}.${key}`;
      const definition = schema.attributes.get(key);
      if (!definition) {
        errors.push({ path: at, message: `${application} publishes no attribute "${key}"`, rule: 'unknownAttribute' });
      } else if (definition.scope !== layer) {
        errors.push({
          path: at,
          message:
            definition.scope === 'tenant'
              ? `${application}.${key} is tenant-scoped: write it through PATCH /v1/tenants/{tenant_id}/profile`
              : `${application}.${key} is global: write it through PATCH /v1/profile`,
          rule: 'attributeScope',
        });
      } else if (value === null) {
        changes.push({ application, key, value: null });
      } else {
        const problem = attributeValueProblem(definition, value);
        if (problem) errors.push({ path: at, message: `${at} ${problem}`, rule: 'attributeValue' });
        else changes.push({ application, key, value: value as AttributeValue });
      }
    }
  }
  if (changes.length + errors.length > MAX_ATTRIBUTE_WRITES) {
    return {
      changes: [],
      errors: [{ path: 'attributes', message: `at most ${MAX_ATTRIBUTE_WRITES} attributes per request`, rule: 'maxSize' }],
    };
  }
  return { changes, errors };
}

/**
 * The stored values after `changes`, and the paths (`attributes.crm.region`) whose value actually
 * changed. Applications left with no value disappear from the map.
 */
export function applyAttributeChanges(
  current: AttributeValues,
  changes: readonly AttributeChange[],
): { next: AttributeValues; changed: string[] } {
  const next: AttributeValues = Object.fromEntries(Object.entries(current).map(([app, values]) => [app, { ...values }]));
  const changed: string[] = [];
  for (const c of changes) {
    const values = (next[c.application] ??= {});
    const before = values[c.key];
    if (c.value === null) {
      if (before === undefined) continue;
      delete values[c.key];
    } else {
      if (before === c.value) continue;
      values[c.key] = c.value;
    }
    changed.push(`attributes.${c.application}.${c.key}`);
  }
  for (const [app, values] of Object.entries(next)) if (!Object.keys(values).length) delete next[app];
  return { next, changed: [...new Set(changed)] };
}
