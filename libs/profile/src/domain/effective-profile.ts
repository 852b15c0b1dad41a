import { type ApplicationProfileSchema, type AttributeDefinition, type AttributeValue, attributeValueProblem } from '@user-engine/kernel';
import type { AttributeValues } from './attributes';
import { PROFILE_FIELDS, type FieldValues, type ProfileField } from './profile-fields';

/** Where an effective field's value comes from: the tenant's layer, the global profile, or nowhere. */
export type FieldSource = 'tenant' | 'global' | 'unset';
/** Where an effective attribute's value comes from; attributes with no value and no default are left out. */
export type AttributeSource = 'tenant' | 'global' | 'default';

export interface ProfileLayer {
  fields: FieldValues;
  attributes: AttributeValues;
}

export interface EffectiveProfile {
  fields: Record<ProfileField, string | null>;
  sources: Record<ProfileField, FieldSource>;
  attributes: Record<string, Record<string, AttributeValue>>;
  attributeSources: Record<string, Record<string, AttributeSource>>;
}

/**
 * The profile a user shows inside one tenant (or, with `tenant: false`, outside any): each field is
 * the tenant layer's override when it has one, else the global value. Attributes follow their
 * catalog scope — a tenant-scoped one comes from the layer, a global one from the global profile —
 * falling back to the catalog's default. Values of attributes no current catalog publishes are not
 * shown, nor are values the current definition no longer admits (see `fits`); without a tenant,
 * tenant-scoped attributes do not exist.
 */
export function resolveEffectiveProfile(
  global: ProfileLayer | undefined,
  layer: ProfileLayer | undefined,
  schemas: Iterable<ApplicationProfileSchema>,
  options: { tenant: boolean },
): EffectiveProfile {
  const fields = {} as EffectiveProfile['fields'];
  const sources = {} as EffectiveProfile['sources'];
  for (const f of PROFILE_FIELDS) {
    const own = options.tenant ? layer?.fields[f] : undefined;
    const base = global?.fields[f];
    if (own !== undefined && own !== null) [fields[f], sources[f]] = [own, 'tenant'];
    else if (base !== undefined && base !== null) [fields[f], sources[f]] = [base, 'global'];
    else [fields[f], sources[f]] = [null, 'unset'];
  }
  const attributes: EffectiveProfile['attributes'] = {};
  const attributeSources: EffectiveProfile['attributeSources'] = {};
  for (const schema of schemas) {
    const app = schema.applicationKey;
    for (const definition of schema.attributes.values()) {
      if (definition.scope === 'tenant' && !options.tenant) continue;
      const stored = definition.scope === 'tenant' ? layer?.attributes[app]?.[definition.key] : global?.attributes[app]?.[definition.key];
      const [value, source]: [AttributeValue | null, AttributeSource] = fits(definition, stored)
        ? [stored, definition.scope === 'tenant' ? 'tenant' : 'global']
        : [definition.default, 'default'];
      if (value === null) continue;
      (attributes[app] ??= {})[definition.key] = value;
      (attributeSources[app] ??= {})[definition.key] = source;
    }
  }
  return { fields, sources, attributes, attributeSources };
}

/**
 * Whether a stored value still satisfies its attribute's current definition. A catalog may tighten
 * constraints, or drop an attribute and publish it again with another type; values written before
 * then are not shown (the default is) rather than handed out as something the catalog forbids.
 */
function fits(definition: AttributeDefinition, stored: AttributeValue | undefined): stored is AttributeValue {
  return stored !== undefined && attributeValueProblem(definition, stored) === undefined;
}

/** The stored global-scope attribute values that a current catalog still publishes (no defaults). */
export function publishedGlobalAttributes(
  stored: AttributeValues,
  schemas: Iterable<ApplicationProfileSchema>,
): Record<string, Record<string, AttributeValue>> {
  const out: Record<string, Record<string, AttributeValue>> = {};
  for (const schema of schemas) {
    for (const [key, value] of Object.entries(stored[schema.applicationKey] ?? {})) {
      const definition = schema.attributes.get(key);
      if (definition?.scope === 'global' && fits(definition, value)) (out[schema.applicationKey] ??= {})[key] = value;
    }
  }
  return out;
}

/**
 * What one application may read of an effective profile: the standard fields its catalog declares
 * and its own attributes (unprefixed); never another application's.
 */
export function projectProfile(
  effective: EffectiveProfile,
  schema: ApplicationProfileSchema | undefined,
): { fields: Partial<Record<ProfileField, string | null>>; attributes: Record<string, AttributeValue> } {
  if (!schema) return { fields: {}, attributes: {} };
  const fields: Partial<Record<ProfileField, string | null>> = {};
  for (const f of PROFILE_FIELDS) if (schema.profileFields.includes(f)) fields[f] = effective.fields[f];
  return { fields, attributes: { ...(effective.attributes[schema.applicationKey] ?? {}) } };
}
