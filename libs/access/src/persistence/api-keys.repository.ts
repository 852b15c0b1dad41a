import { Injectable } from '@nestjs/common';
import { queryRows, Scopes, UnitOfWork } from '@user-engine/kernel';

export interface ApiKeyRow {
  id: string;
  application_id: string;
  name: string;
  prefix: string;
  scopes: string[];
  tenant_id: string | null;
  expires_at: Date | null;
  created_by: string | null;
  created_at: Date;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

/** What authenticating a key needs: the key and its application, found by the secret's hash. */
export interface ApiKeyCredential extends ApiKeyRow {
  application_key: string;
  application_status: 'active' | 'disabled';
}

const COLUMNS = `k.id, k.application_id, k.name, k.prefix, k.scopes, k.tenant_id, k.expires_at, k.created_by, k.created_at, k.last_used_at, k.revoked_at`;

/** Applications' API keys. Only the SHA-256 of a secret is ever stored or compared. */
@Injectable()
export class ApiKeysRepository {
  constructor(private readonly uow: UnitOfWork) {}

  async insert(k: {
    id: string;
    applicationId: string;
    name: string;
    prefix: string;
    secretHash: Buffer;
    scopes: string[];
    tenantId: string | null;
    expiresAt: Date | null;
    createdBy: string;
  }): Promise<ApiKeyRow> {
    const [row] = await queryRows<ApiKeyRow>(
      this.uow.manager,
      `INSERT INTO access.api_keys AS k (id, application_id, name, prefix, secret_hash, scopes, tenant_id, expires_at, created_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING ${COLUMNS}`,
      [k.id, k.applicationId, k.name, k.prefix, k.secretHash, k.scopes, k.tenantId, k.expiresAt, k.createdBy],
    );
    return row;
  }

  async find(applicationId: string, id: string): Promise<ApiKeyRow | undefined> {
    const [row] = await queryRows<ApiKeyRow>(
      this.uow.manager,
      `SELECT ${COLUMNS} FROM access.api_keys k WHERE k.application_id = $1 AND k.id = $2`,
      [applicationId, id],
    );
    return row;
  }

  /** Marks the key revoked; the row of an already revoked key is returned unchanged. */
  async revoke(applicationId: string, id: string, by: string): Promise<{ row: ApiKeyRow; changed: boolean } | undefined> {
    const [updated] = await queryRows<ApiKeyRow>(
      this.uow.manager,
      `UPDATE access.api_keys k SET revoked_at = now(), revoked_by = $3
        WHERE k.application_id = $1 AND k.id = $2 AND k.revoked_at IS NULL RETURNING ${COLUMNS}`,
      [applicationId, id, by],
    );
    if (updated) return { row: updated, changed: true };
    const existing = await this.find(applicationId, id);
    return existing && { row: existing, changed: false };
  }

  /** The key whose secret hashes to `hash`, with its application (authentication, on a cache miss). */
  findCredential(hash: Buffer): Promise<ApiKeyCredential | undefined> {
    return this.uow.run(Scopes.global, async (m) => {
      const [row] = await queryRows<ApiKeyCredential>(
        m,
        `SELECT ${COLUMNS}, a.key AS application_key, a.status AS application_status
           FROM access.api_keys k JOIN access.applications a ON a.id = k.application_id
          WHERE k.secret_hash = $1`,
        [hash],
      );
      return row;
    });
  }

  /** Records a use (at most about once a minute per key: the caller throttles). */
  async touch(id: string): Promise<void> {
    await this.uow.run(Scopes.global, (m) =>
      m.query(
        `UPDATE access.api_keys SET last_used_at = now() WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < now() - interval '1 second')`,
        [id],
      ),
    );
  }
}
