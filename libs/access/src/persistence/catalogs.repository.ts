import { Injectable } from '@nestjs/common';
import type { AttributeDefinition, BuiltInRole } from '@user-engine/kernel';
import { queryRows, Scopes, UnitOfWork } from '@user-engine/kernel';

export interface CatalogPermission {
  key: string;
  description: string;
  default_role: BuiltInRole;
  deprecated: boolean;
}

/** A profile attribute as catalogs store it (the kernel's AttributeCatalog holds the same shape). */
export type CatalogAttribute = AttributeDefinition;

export interface CatalogVersionRow {
  application_id: string;
  version: number;
  permissions: CatalogPermission[];
  attributes: CatalogAttribute[];
  profile_fields: string[];
  published_by: string | null;
  published_at: Date;
}

/** The advisory lock serialising catalog publishes against role writes (an arbitrary constant). */
const CATALOG_LOCK = 7_105_330_001;

/**
 * Published catalogs: every version (append-only), and the current one flattened into
 * `catalog_permissions` / `catalog_attributes`, which authorization and role writes read.
 */
@Injectable()
export class CatalogsRepository {
  constructor(private readonly uow: UnitOfWork) {}

  async current(applicationId: string): Promise<CatalogVersionRow | undefined> {
    const [row] = await queryRows<CatalogVersionRow>(
      this.uow.manager,
      `SELECT v.* FROM access.catalog_versions v JOIN access.applications a ON a.id = v.application_id AND a.catalog_version = v.version
        WHERE v.application_id = $1`,
      [applicationId],
    );
    return row;
  }

  /**
   * Publishing takes the catalogs' lock exclusively, role writes that reference application
   * permissions share it: a publish never removes a permission a role is being given, and a role
   * never gets one a publish is removing (each waits for the other's commit, then reads it).
   */
  async lockExclusive(): Promise<void> {
    await this.uow.manager.query(`SELECT pg_advisory_xact_lock($1)`, [CATALOG_LOCK]);
  }

  /** How many custom roles (in how many tenants) hold each of `keys`, across every tenant. */
  async usage(keys: string[]): Promise<{ key: string; roles: number; tenants: number }[]> {
    if (!keys.length) return [];
    return queryRows(
      this.uow.manager,
      `SELECT p AS key, count(*)::int AS roles, count(DISTINCT r.tenant_id)::int AS tenants
         FROM access.roles r, unnest(r.permissions) p WHERE p = ANY($1) GROUP BY p ORDER BY p`,
      [keys],
    );
  }

  async publish(
    applicationId: string,
    version: number,
    by: string,
    { permissions, attributes, profile_fields }: Pick<CatalogVersionRow, 'permissions' | 'attributes' | 'profile_fields'>,
  ) {
    const m = this.uow.manager;
    const [row] = await queryRows<CatalogVersionRow>(
      m,
      `INSERT INTO access.catalog_versions (application_id, version, permissions, attributes, profile_fields, published_by)
       VALUES ($1, $2, $3, $4, $5, $6) RETURNING *`,
      [applicationId, version, JSON.stringify(permissions), JSON.stringify(attributes), profile_fields, by],
    );
    await m.query(`DELETE FROM access.catalog_permissions WHERE application_id = $1`, [applicationId]);
    if (permissions.length) {
      await m.query(
        `INSERT INTO access.catalog_permissions (key, application_id, description, default_role, deprecated)
         SELECT p.key, $1, p.description, p.default_role, p.deprecated
           FROM jsonb_to_recordset($2::jsonb) AS p(key text, description text, default_role text, deprecated boolean)`,
        [applicationId, JSON.stringify(permissions)],
      );
    }
    await m.query(`DELETE FROM access.catalog_attributes WHERE application_id = $1`, [applicationId]);
    if (attributes.length) {
      await m.query(
        `INSERT INTO access.catalog_attributes (application_id, key, type, scope, description, constraints, default_value)
         SELECT $1, a.key, a.type, a.scope, a.description, a.constraints, a."default"
           FROM jsonb_to_recordset($2::jsonb) AS a(key text, type text, scope text, description text, constraints jsonb, "default" jsonb)`,
        [applicationId, JSON.stringify(attributes)],
      );
    }
    await m.query(`UPDATE access.applications SET catalog_version = $2, updated_at = now() WHERE id = $1`, [applicationId, version]);
    return row;
  }

  /**
   * Of `keys` (application permissions a role write references), the ones the current catalogs
   * hold, locked FOR SHARE until the role's transaction ends: a publish removing them waits.
   */
  async holdPermissions(keys: string[]): Promise<Map<string, { deprecated: boolean }>> {
    if (!keys.length) return new Map();
    const m = this.uow.manager;
    await m.query(`SELECT pg_advisory_xact_lock_shared($1)`, [CATALOG_LOCK]);
    const rows = await queryRows<{ key: string; deprecated: boolean }>(
      m,
      `SELECT key, deprecated FROM access.catalog_permissions WHERE key = ANY($1)`,
      [keys],
    );
    return new Map(rows.map((r) => [r.key, { deprecated: r.deprecated }]));
  }

  /** Every application's current permissions (each process loads them into its PermissionCatalog). */
  allPermissions(applicationId?: string): Promise<(CatalogPermission & { application_key: string; application_id: string })[]> {
    return this.uow.run(Scopes.global, (m) =>
      queryRows(
        m,
        `SELECT p.key, p.description, p.default_role, p.deprecated, a.key AS application_key, a.id AS application_id
           FROM access.catalog_permissions p JOIN access.applications a ON a.id = p.application_id
          WHERE $1::uuid IS NULL OR a.id = $1 ORDER BY p.key`,
        [applicationId ?? null],
      ),
    );
  }

  /** Every application's current profile side: its attributes and the profile fields it reads. */
  allProfileSchemas(): Promise<
    { application_id: string; application_key: string; attributes: CatalogAttribute[]; profile_fields: string[] }[]
  > {
    return this.uow.run(Scopes.global, (m) =>
      queryRows(
        m,
        `SELECT a.id AS application_id, a.key AS application_key, v.attributes, v.profile_fields
           FROM access.applications a JOIN access.catalog_versions v ON v.application_id = a.id AND v.version = a.catalog_version
          ORDER BY a.key`,
      ),
    );
  }
}
