import { Injectable } from '@nestjs/common';
import { queryRows, UnitOfWork } from '@user-engine/kernel';
import type { AttributeValues } from '../domain/attributes';
import type { ProfileLayer } from '../domain/effective-profile';
import { GLOBAL_FIELDS, LAYER_FIELDS, type FieldValues, type ProfileField } from '../domain/profile-fields';

/** A stored profile or layer: its fields, attribute values and timestamps (Date, or ISO text when read as JSON). */
export type StoredLayer = ProfileLayer & { created_at: string; updated_at: string };

type Row = Partial<Record<ProfileField, string | null>> & {
  attributes: AttributeValues;
  created_at: Date | string;
  updated_at: Date | string;
};

function toLayer(row: Row | null | undefined, fields: readonly ProfileField[]): StoredLayer | undefined {
  if (!row) return undefined;
  return {
    fields: Object.fromEntries(fields.map((f) => [f, row[f] ?? null])) as FieldValues,
    attributes: row.attributes ?? {},
    created_at: new Date(row.created_at).toISOString(),
    updated_at: new Date(row.updated_at).toISOString(),
  };
}

const assignments = (fields: readonly ProfileField[], first: number) => fields.map((f, i) => `${f} = $${first + i}`).join(', ');

/**
 * Global profiles (a platform-wide table keyed by user) and tenant layers (tenant-scoped, under
 * row-level security), in the current unit of work.
 */
@Injectable()
export class ProfilesRepository {
  constructor(private readonly uow: UnitOfWork) {}

  /** Creates the global profile unless it exists; true when this call created it. */
  async create(userId: string, displayName: string | null): Promise<boolean> {
    const rows = await queryRows(
      this.uow.manager,
      `INSERT INTO profile.profiles (user_id, display_name) VALUES ($1, $2) ON CONFLICT (user_id) DO NOTHING RETURNING 1`,
      [userId, displayName],
    );
    return rows.length === 1;
  }

  async find(userId: string): Promise<StoredLayer | undefined> {
    const [row] = await queryRows<Row>(this.uow.manager, `SELECT * FROM profile.profiles WHERE user_id = $1`, [userId]);
    return toLayer(row, GLOBAL_FIELDS);
  }

  /** The global profile, created empty if missing, locked until the transaction ends. */
  async lock(userId: string): Promise<StoredLayer> {
    const m = this.uow.manager;
    await m.query(`INSERT INTO profile.profiles (user_id) VALUES ($1) ON CONFLICT (user_id) DO NOTHING`, [userId]);
    const [row] = await queryRows<Row>(m, `SELECT * FROM profile.profiles WHERE user_id = $1 FOR UPDATE`, [userId]);
    return toLayer(row, GLOBAL_FIELDS)!;
  }

  async update(userId: string, next: ProfileLayer): Promise<StoredLayer> {
    const [row] = await queryRows<Row>(
      this.uow.manager,
      `UPDATE profile.profiles SET ${assignments(GLOBAL_FIELDS, 2)}, attributes = $${GLOBAL_FIELDS.length + 2}, updated_at = now()
        WHERE user_id = $1 RETURNING *`,
      [userId, ...GLOBAL_FIELDS.map((f) => next.fields[f] ?? null), JSON.stringify(next.attributes)],
    );
    return toLayer(row, GLOBAL_FIELDS)!;
  }

  /** The user's layer in the transaction's tenant, created empty if missing, locked until the transaction ends. */
  async lockLayer(tenantId: string, userId: string): Promise<StoredLayer> {
    const m = this.uow.manager;
    await m.query(`INSERT INTO profile.tenant_layers (tenant_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`, [tenantId, userId]);
    const [row] = await queryRows<Row>(m, `SELECT * FROM profile.tenant_layers WHERE tenant_id = $1 AND user_id = $2 FOR UPDATE`, [
      tenantId,
      userId,
    ]);
    return toLayer(row, LAYER_FIELDS)!;
  }

  /** Writes the layer; a layer left with no override at all is removed. */
  async updateLayer(tenantId: string, userId: string, next: ProfileLayer): Promise<StoredLayer | undefined> {
    const m = this.uow.manager;
    if (LAYER_FIELDS.every((f) => (next.fields[f] ?? null) === null) && !Object.keys(next.attributes).length) {
      await m.query(`DELETE FROM profile.tenant_layers WHERE tenant_id = $1 AND user_id = $2`, [tenantId, userId]);
      return undefined;
    }
    const [row] = await queryRows<Row>(
      m,
      `UPDATE profile.tenant_layers SET ${assignments(LAYER_FIELDS, 3)}, attributes = $${LAYER_FIELDS.length + 3}, updated_at = now()
        WHERE tenant_id = $1 AND user_id = $2 RETURNING *`,
      [tenantId, userId, ...LAYER_FIELDS.map((f) => next.fields[f] ?? null), JSON.stringify(next.attributes)],
    );
    return toLayer(row, LAYER_FIELDS);
  }

  /**
   * The global profile and the user's layer in `tenantId` in one round trip (in that tenant's
   * scope: the layer's row-level security admits nothing else).
   */
  async findWithLayer(tenantId: string, userId: string): Promise<{ profile?: StoredLayer; layer?: StoredLayer }> {
    const [row] = await queryRows<{ profile: Row | null; layer: Row | null }>(
      this.uow.manager,
      `SELECT (SELECT to_jsonb(p) FROM profile.profiles p WHERE p.user_id = $2) AS profile,
              (SELECT to_jsonb(l) FROM profile.tenant_layers l WHERE l.tenant_id = $1 AND l.user_id = $2) AS layer`,
      [tenantId, userId],
    );
    return { profile: toLayer(row.profile, GLOBAL_FIELDS), layer: toLayer(row.layer, LAYER_FIELDS) };
  }

  /** Erases a user's profile and their layers in every tenant (platform scope); returns the layers' tenants. */
  async eraseUser(userId: string): Promise<{ profile: boolean; tenants: string[] }> {
    const m = this.uow.manager;
    const profile = await queryRows(m, `DELETE FROM profile.profiles WHERE user_id = $1 RETURNING 1`, [userId]);
    const layers = await queryRows<{ tenant_id: string }>(m, `DELETE FROM profile.tenant_layers WHERE user_id = $1 RETURNING tenant_id`, [
      userId,
    ]);
    return { profile: profile.length > 0, tenants: layers.map((l) => l.tenant_id) };
  }

  /** Removes every layer of the transaction's tenant; returns how many. */
  async removeTenantLayers(tenantId: string): Promise<number> {
    const rows = await queryRows(this.uow.manager, `DELETE FROM profile.tenant_layers WHERE tenant_id = $1 RETURNING 1`, [tenantId]);
    return rows.length;
  }

  async removeLayer(tenantId: string, userId: string): Promise<boolean> {
    const rows = await queryRows(this.uow.manager, `DELETE FROM profile.tenant_layers WHERE tenant_id = $1 AND user_id = $2 RETURNING 1`, [
      tenantId,
      userId,
    ]);
    return rows.length > 0;
  }
}
