import { Injectable } from '@nestjs/common';
import { queryRows, UnitOfWork } from '@user-engine/kernel';
import type { InvitationRow } from './tenancy.rows';

const COLUMNS = `tenant_id, id, email, roles, status, invited_by, created_at, expires_at, sent_count, last_sent_at, accepted_at, accepted_by, revoked_at`;

/** Invitations of the tenant of the current unit of work. Tokens are stored as SHA-256 only. */
@Injectable()
export class InvitationsRepository {
  constructor(private readonly uow: UnitOfWork) {}

  async insert(i: {
    tenantId: string;
    id: string;
    email: string;
    roles: readonly string[];
    tokenHash: Buffer;
    invitedBy: string;
    expiresAt: Date;
  }): Promise<InvitationRow> {
    const [row] = await queryRows<InvitationRow>(
      this.uow.manager,
      `INSERT INTO tenancy.invitations (tenant_id, id, email, roles, token_hash, status, invited_by, expires_at)
       VALUES ($1, $2, $3, $4, $5, 'pending', $6, $7) RETURNING ${COLUMNS}`,
      [i.tenantId, i.id, i.email, [...new Set(i.roles)], i.tokenHash, i.invitedBy, i.expiresAt],
    );
    return row;
  }

  /** The open invitation to `email` (expired or not). */
  async findPendingByEmail(tenantId: string, email: string): Promise<InvitationRow | undefined> {
    const [row] = await queryRows<InvitationRow>(
      this.uow.manager,
      `SELECT ${COLUMNS} FROM tenancy.invitations WHERE tenant_id = $1 AND email = $2 AND status = 'pending'`,
      [tenantId, email],
    );
    return row;
  }

  async find(tenantId: string, id: string, options: { lock?: boolean } = {}): Promise<InvitationRow | undefined> {
    const [row] = await queryRows<InvitationRow>(
      this.uow.manager,
      `SELECT ${COLUMNS} FROM tenancy.invitations WHERE tenant_id = $1 AND id = $2${options.lock ? ' FOR UPDATE' : ''}`,
      [tenantId, id],
    );
    return row;
  }

  /** A new token for an open invitation (the old link dies) and a fresh expiry. */
  async reissue(tenantId: string, id: string, tokenHash: Buffer, expiresAt: Date): Promise<InvitationRow> {
    const [row] = await queryRows<InvitationRow>(
      this.uow.manager,
      `UPDATE tenancy.invitations SET token_hash = $3, expires_at = $4, sent_count = sent_count + 1, last_sent_at = now()
        WHERE tenant_id = $1 AND id = $2 RETURNING ${COLUMNS}`,
      [tenantId, id, tokenHash, expiresAt],
    );
    return row;
  }

  async close(tenantId: string, id: string, outcome: { accepted_by: string } | 'revoked'): Promise<void> {
    if (outcome === 'revoked') {
      await this.uow.manager.query(
        `UPDATE tenancy.invitations SET status = 'revoked', revoked_at = now() WHERE tenant_id = $1 AND id = $2`,
        [tenantId, id],
      );
    } else {
      await this.uow.manager.query(
        `UPDATE tenancy.invitations SET status = 'accepted', accepted_at = now(), accepted_by = $3 WHERE tenant_id = $1 AND id = $2`,
        [tenantId, id, outcome.accepted_by],
      );
    }
  }
}
