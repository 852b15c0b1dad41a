import type { CatalogAttributeV1, CatalogPermissionV1, ProfileFieldV1 } from '@user-engine/contracts';
import type { CatalogVersionRow } from '../../persistence/catalogs.repository';

export interface CatalogView {
  application_id: string;
  application_key: string;
  version: number;
  permissions: CatalogPermissionV1[];
  attributes: CatalogAttributeV1[];
  profile_fields: ProfileFieldV1[];
  published_by: string | null;
  published_at: string;
}

export function toCatalogView(applicationKey: string, row: CatalogVersionRow): CatalogView {
  return {
    application_id: row.application_id,
    application_key: applicationKey,
    version: row.version,
    permissions: row.permissions,
    attributes: row.attributes.map((a) => ({ ...a, constraints: { ...a.constraints } })),
    profile_fields: row.profile_fields as ProfileFieldV1[],
    published_by: row.published_by,
    published_at: row.published_at.toISOString(),
  };
}
