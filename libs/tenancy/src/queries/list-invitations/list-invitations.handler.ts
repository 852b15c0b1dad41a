import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import {
  DEFAULT_PAGE_SIZE,
  decodeCursor,
  encodeCursor,
  invalidCursor,
  isUuid,
  type Page,
  queryRows,
  UnitOfWork,
} from '@user-engine/kernel';
import type { InvitationRow } from '../../persistence/tenancy.rows';
import { toInvitationView, type InvitationView } from '../views';
import { ListInvitations } from './list-invitations.query';

const STATUS_SQL: Record<InvitationView['status'], string> = {
  pending: `status = 'pending' AND expires_at > now()`,
  expired: `status = 'pending' AND expires_at <= now()`,
  accepted: `status = 'accepted'`,
  revoked: `status = 'revoked'`,
};

@QueryHandler(ListInvitations)
export class ListInvitationsHandler implements IQueryHandler<ListInvitations, Page<InvitationView>> {
  constructor(private readonly uow: UnitOfWork) {}

  async execute(q: ListInvitations): Promise<Page<InvitationView>> {
    const limit = q.page.limit ?? DEFAULT_PAGE_SIZE;
    const params: unknown[] = [q.tenantId];
    const where = ['tenant_id = $1'];
    if (q.filter.status) where.push(STATUS_SQL[q.filter.status]);
    if (q.page.cursor) {
      // Ids are UUIDv7: id order is creation order, and exact (timestamps lose microseconds in JSON).
      const [id] = decodeCursor('invitations', q.page.cursor, 1);
      if (!isUuid(id)) throw invalidCursor();
      where.push(`id < $${params.push(id)}::uuid`);
    }
    const rows = await queryRows<InvitationRow>(
      this.uow.manager,
      `SELECT tenant_id, id, email, roles, status, invited_by, created_at, expires_at, sent_count, last_sent_at, accepted_at, accepted_by, revoked_at
         FROM tenancy.invitations WHERE ${where.join(' AND ')}
        ORDER BY id DESC LIMIT $${params.push(limit + 1)}`,
      params,
    );
    const items = rows.slice(0, limit);
    const last = items[items.length - 1];
    return {
      items: items.map(toInvitationView),
      next_cursor: rows.length > limit ? encodeCursor('invitations', [last.id]) : null,
    };
  }
}
