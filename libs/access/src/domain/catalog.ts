import { PROFILE_FIELDS_V1 } from '@user-engine/contracts';
import {
  type AttributeConstraints,
  type AttributeType,
  attributeValueProblem,
  BUILT_IN_ROLES,
  type BuiltInRole,
  type FieldError,
  MAX_ATTRIBUTE_STRING,
  PERMISSION_KEY,
  sortKeys,
} from '@user-engine/kernel';
import type { CatalogAttribute, CatalogPermission } from '../persistence/catalogs.repository';

export interface CatalogInput {
  permissions: { key: string; description: string; default_role?: BuiltInRole }[];
  attributes: {
    key: string;
    type: string;
    scope: string;
    description?: string | null;
    constraints?: Record<string, unknown>;
    default?: unknown;
  }[];
  /** Standard profile fields the application reads in its projection. */
  profile_fields?: string[];
  /** Permissions of the current catalog kept for the roles that hold them, but offered to no new role. */
  deprecated?: string[];
}

export interface Catalog {
  permissions: CatalogPermission[];
  attributes: CatalogAttribute[];
  profile_fields: string[];
}

export const ATTRIBUTE_KEY = /^[a-z][a-z0-9_]{0,63}$/;
const TYPES: readonly AttributeType[] = ['string', 'integer', 'number', 'boolean'];
const CONSTRAINTS: Record<AttributeType, readonly (keyof AttributeConstraints)[]> = {
  string: ['min_length', 'max_length', 'pattern', 'enum'],
  integer: ['minimum', 'maximum', 'enum'],
  number: ['minimum', 'maximum', 'enum'],
  boolean: [],
};
const MAX_STRING = MAX_ATTRIBUTE_STRING;
const MAX_PATTERN = 500;
const MAX_ENUM = 100;

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

function constraintProblems(
  type: AttributeType,
  raw: Record<string, unknown>,
  path: string,
): { constraints: AttributeConstraints; errors: FieldError[] } {
  const errors: FieldError[] = [];
  const err = (field: string, message: string, rule = 'constraint') => errors.push({ path: `${path}.${field}`, message, rule });
  const allowed = CONSTRAINTS[type];
  for (const k of Object.keys(raw))
    if (!allowed.includes(k as keyof AttributeConstraints)) err(k, `${k} does not apply to ${type} attributes`, 'unknownConstraint');
  const c: AttributeConstraints = {};
  if (raw.min_length !== undefined) {
    if (isCount(raw.min_length)) c.min_length = raw.min_length;
    else err('min_length', 'must be a non-negative integer');
  }
  if (raw.max_length !== undefined) {
    if (isCount(raw.max_length) && raw.max_length >= 1 && raw.max_length <= MAX_STRING) c.max_length = raw.max_length;
    else err('max_length', `must be an integer from 1 to ${MAX_STRING}`);
  }
  if (c.min_length !== undefined && c.max_length !== undefined && c.min_length > c.max_length)
    err('min_length', 'must not exceed max_length');
  if (raw.pattern !== undefined) {
    if (typeof raw.pattern !== 'string' || !raw.pattern || raw.pattern.length > MAX_PATTERN)
      err('pattern', `must be a regular expression of 1–${MAX_PATTERN} characters`);
    else {
      try {
        new RegExp(raw.pattern, 'u');
        c.pattern = raw.pattern;
      } catch {
        err('pattern', 'is not a valid regular expression');
      }
    }
  }
  for (const bound of ['minimum', 'maximum'] as const) {
    const v = raw[bound];
    if (v === undefined) continue;
    if (typeof v !== 'number' || !Number.isFinite(v) || (type === 'integer' && !Number.isSafeInteger(v)))
      err(bound, `must be ${type === 'integer' ? 'an integer' : 'a number'}`);
    else c[bound] = v;
  }
  if (c.minimum !== undefined && c.maximum !== undefined && c.minimum > c.maximum) err('minimum', 'must not exceed maximum');
  if (raw.enum !== undefined) {
    const values = raw.enum;
    const element = type === 'string' ? 'string' : 'number';
    if (!Array.isArray(values) || !values.length || values.length > MAX_ENUM || values.some((v) => typeof v !== element)) {
      err('enum', `must be 1–${MAX_ENUM} ${element}s`);
    } else if (new Set(values).size !== values.length) err('enum', 'must not repeat values');
    else c.enum = values as (string | number)[];
  }
  return { constraints: c, errors };
}

/**
 * Checks a catalog an application publishes and normalises it. Permissions live in the
 * application's namespace (`billing:invoices.read`) and are held by the built-in roles from
 * `default_role` up (owner when not given, so that owners can hand them out); attributes have a
 * known type, constraints that fit it and a default that satisfies them. `deprecated` may only name
 * permissions of the current catalog that the new one leaves out. Returns field errors, or the catalog.
 */
export function validateCatalog(
  applicationKey: string,
  input: CatalogInput,
  current: Catalog | undefined,
): { catalog: Catalog; errors: FieldError[] } {
  const errors: FieldError[] = [];
  const permissions: CatalogPermission[] = [];
  const seen = new Set<string>();
  input.permissions.forEach((p, i) => {
    const path = `permissions[${i}]`;
    if (!PERMISSION_KEY.test(p.key) || p.key.split(':')[0] !== applicationKey) {
      errors.push({
        path: `${path}.key`,
        message: `must be ${applicationKey}:<action> (resource:action in the application's namespace)`,
        rule: 'namespace',
      });
    } else if (seen.has(p.key)) {
      errors.push({ path: `${path}.key`, message: `${p.key} is listed twice`, rule: 'unique' });
    }
    seen.add(p.key);
    const role = p.default_role ?? 'owner';
    if (!BUILT_IN_ROLES.includes(role))
      errors.push({ path: `${path}.default_role`, message: `must be one of ${BUILT_IN_ROLES.join(', ')}`, rule: 'isIn' });
    permissions.push({ key: p.key, description: p.description, default_role: role, deprecated: false });
  });
  const currentKeys = new Set(current?.permissions.map((p) => p.key) ?? []);
  (input.deprecated ?? []).forEach((key, i) => {
    const path = `deprecated[${i}]`;
    if (seen.has(key))
      errors.push({ path, message: `${key} is still published: leave it out of permissions to deprecate it`, rule: 'deprecated' });
    else if (!currentKeys.has(key)) errors.push({ path, message: `${key} is not in the current catalog`, rule: 'deprecated' });
    else {
      const was = current!.permissions.find((p) => p.key === key)!;
      permissions.push({ ...was, deprecated: true });
      seen.add(key);
    }
  });

  const attributes: CatalogAttribute[] = [];
  const attributeKeys = new Set<string>();
  input.attributes.forEach((a, i) => {
    const path = `attributes[${i}]`;
    if (!ATTRIBUTE_KEY.test(a.key))
      errors.push({
        path: `${path}.key`,
        message: 'must be 1–64 lower-case letters, digits or underscores, starting with a letter',
        rule: 'matches',
      });
    else if (attributeKeys.has(a.key)) errors.push({ path: `${path}.key`, message: `${a.key} is listed twice`, rule: 'unique' });
    attributeKeys.add(a.key);
    if (!TYPES.includes(a.type as AttributeType)) {
      errors.push({ path: `${path}.type`, message: `must be one of ${TYPES.join(', ')}`, rule: 'isIn' });
      return;
    }
    if (a.scope !== 'global' && a.scope !== 'tenant')
      errors.push({ path: `${path}.scope`, message: 'must be global or tenant', rule: 'isIn' });
    const type = a.type as AttributeType;
    const { constraints, errors: constraintErrors } = constraintProblems(type, a.constraints ?? {}, `${path}.constraints`);
    errors.push(...constraintErrors);
    const attribute: CatalogAttribute = {
      key: a.key,
      type,
      scope: a.scope as CatalogAttribute['scope'],
      description: a.description ?? null,
      constraints,
      default: (a.default ?? null) as CatalogAttribute['default'],
    };
    if (!constraintErrors.length && attribute.default !== null) {
      const problem = attributeValueProblem(attribute, attribute.default);
      if (problem) errors.push({ path: `${path}.default`, message: `default ${problem}`, rule: 'default' });
    }
    attributes.push(attribute);
  });
  const requested = new Set<string>();
  (input.profile_fields ?? []).forEach((field, i) => {
    if (!(PROFILE_FIELDS_V1 as readonly string[]).includes(field))
      errors.push({ path: `profile_fields[${i}]`, message: `must be one of ${PROFILE_FIELDS_V1.join(', ')}`, rule: 'isIn' });
    else if (requested.has(field)) errors.push({ path: `profile_fields[${i}]`, message: `${field} is listed twice`, rule: 'unique' });
    requested.add(field);
  });
  // In the order profiles show them: the same set always stores (and compares) the same.
  const profile_fields = PROFILE_FIELDS_V1.filter((f) => requested.has(f));
  permissions.sort((a, b) => a.key.localeCompare(b.key));
  attributes.sort((a, b) => a.key.localeCompare(b.key));
  return { catalog: { permissions, attributes, profile_fields }, errors };
}

/**
 * Attributes whose type or scope the new catalog changes (stored values would stop fitting). Give
 * the attributes in the order of the request (not the sorted catalog): paths point into it.
 */
export function incompatibleAttributes(
  current: Catalog | undefined,
  next: { attributes: readonly Pick<CatalogInput['attributes'][number], 'key' | 'type' | 'scope'>[] },
): FieldError[] {
  const before = new Map(current?.attributes.map((a) => [a.key, a]) ?? []);
  const errors: FieldError[] = [];
  next.attributes.forEach((a, i) => {
    const was = before.get(a.key);
    if (was && was.type !== a.type)
      errors.push({
        path: `attributes[${i}].type`,
        message: `${a.key} is a ${was.type}: it cannot become a ${a.type}`,
        rule: 'compatible',
      });
    if (was && was.scope !== a.scope)
      errors.push({
        path: `attributes[${i}].scope`,
        message: `${a.key} is ${was.scope}-scoped: it cannot become ${a.scope}-scoped`,
        rule: 'compatible',
      });
  });
  return errors;
}

/** Permissions of the current catalog that the new one drops entirely (neither kept nor deprecated). */
export function removedPermissions(current: Catalog | undefined, next: Catalog): string[] {
  const kept = new Set(next.permissions.map((p) => p.key));
  return (current?.permissions ?? []).map((p) => p.key).filter((k) => !kept.has(k));
}

export function sameCatalog(a: Catalog | undefined, b: Catalog): boolean {
  // jsonb does not keep key order: compare canonical forms.
  const canonical = (c: Catalog) =>
    JSON.stringify(sortKeys({ permissions: c.permissions, attributes: c.attributes, profile_fields: c.profile_fields }));
  return !!a && canonical(a) === canonical(b);
}
