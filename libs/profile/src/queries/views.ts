import type { AttributeCatalog, AttributeValue } from '@user-engine/kernel';
import { type AttributeSource, type FieldSource, publishedGlobalAttributes, resolveEffectiveProfile } from '../domain/effective-profile';
import { GLOBAL_FIELDS, type ProfileField } from '../domain/profile-fields';
import type { StoredLayer } from '../persistence/profiles.repository';

type Attributes = Record<string, Record<string, AttributeValue>>;

/** A user's global profile as the API shows it (`GET /v1/profile`). */
export type ProfileView = { user_id: string } & Record<Exclude<ProfileField, 'title'>, string | null> & {
    attributes: Attributes;
    created_at: string | null;
    updated_at: string | null;
  };

/** The profile a user shows inside one tenant, with where each value comes from (`GET …/profile`). */
export type EffectiveProfileView = { user_id: string; tenant_id: string } & Record<ProfileField, string | null> & {
    attributes: Attributes;
    sources: Record<ProfileField, FieldSource>;
    attribute_sources: Record<string, Record<string, AttributeSource>>;
    updated_at: string | null;
  };

/** The global profile; a user whose profile is not there yet (sign-up still being processed) reads as empty. */
export function toProfileView(userId: string, stored: StoredLayer | undefined, catalog: AttributeCatalog): ProfileView {
  return {
    user_id: userId,
    ...(Object.fromEntries(GLOBAL_FIELDS.map((f) => [f, stored?.fields[f] ?? null])) as Record<
      Exclude<ProfileField, 'title'>,
      string | null
    >),
    attributes: publishedGlobalAttributes(stored?.attributes ?? {}, catalog.applications()),
    created_at: stored?.created_at ?? null,
    updated_at: stored?.updated_at ?? null,
  };
}

export function toEffectiveView(
  tenantId: string,
  userId: string,
  rows: { profile?: StoredLayer; layer?: StoredLayer },
  catalog: AttributeCatalog,
): EffectiveProfileView {
  const effective = resolveEffectiveProfile(rows.profile, rows.layer, catalog.applications(), { tenant: true });
  const stamps = [rows.profile?.updated_at, rows.layer?.updated_at].filter((s): s is string => !!s).sort();
  return {
    user_id: userId,
    tenant_id: tenantId,
    ...effective.fields,
    attributes: effective.attributes,
    sources: effective.sources,
    attribute_sources: effective.attributeSources,
    updated_at: stamps.at(-1) ?? null,
  };
}
