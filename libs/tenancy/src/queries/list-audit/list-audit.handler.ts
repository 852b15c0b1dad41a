import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import {
  DEFAULT_PAGE_SIZE,
  decodeCursor,
  encodeCursor,
  invalidCursor,
  isUuid,
  likePrefix,
  type Page,
  queryRows,
  UnitOfWork,
} from '@user-engine/kernel';
import { ListAudit } from './list-audit.query';

export interface AuditEntryView {
  id: string;
  seq: number | null;
  occurred_at: string;
  actor_type: string;
  actor_id: string | null;
  action: string;
  outcome: string;
  resource_type: string | null;
  resource_id: string | null;
  request_id: string | null;
  ip: string | null;
  user_agent: string | null;
  data: Record<string, unknown>;
}

type Row = Omit<AuditEntryView, 'occurred_at' | 'seq'> & { occurred_at: Date; seq: string | null };

@QueryHandler(ListAudit)
export class ListAuditHandler implements IQueryHandler<ListAudit, Page<AuditEntryView>> {
  constructor(private readonly uow: UnitOfWork) {}

  async execute(q: ListAudit): Promise<Page<AuditEntryView>> {
    const limit = q.page.limit ?? DEFAULT_PAGE_SIZE;
    // Row-level security limits this to the tenant's chain; the filter says so as well, and the
    // chain (= tenant) leads the primary key, which serves the id order.
    const params: unknown[] = [q.tenantId];
    const where = ['chain_id = $1', 'tenant_id = $1'];
    if (q.filter.actorId) where.push(`actor_id = $${params.push(q.filter.actorId)}`);
    if (q.filter.action?.endsWith('.*')) where.push(`action LIKE $${params.push(likePrefix(q.filter.action.slice(0, -1)))}`);
    else if (q.filter.action) where.push(`action = $${params.push(q.filter.action)}`);
    if (q.filter.from) where.push(`occurred_at >= $${params.push(q.filter.from)}`);
    if (q.filter.to) where.push(`occurred_at < $${params.push(q.filter.to)}`);
    if (q.page.cursor) {
      // Entry ids are UUIDv7 taken when the entry is written: id order is time order, exactly.
      const [id] = decodeCursor('audit', q.page.cursor, 1);
      if (!isUuid(id)) throw invalidCursor();
      where.push(`id < $${params.push(id)}::uuid`);
    }
    const rows = await queryRows<Row>(
      this.uow.manager,
      `SELECT id, seq, occurred_at, actor_type, actor_id, action, outcome, resource_type, resource_id, request_id, ip, user_agent, data
         FROM kernel.audit_log WHERE ${where.join(' AND ')} ORDER BY id DESC LIMIT $${params.push(limit + 1)}`,
      params,
    );
    const items = rows
      .slice(0, limit)
      .map((r) => ({ ...r, seq: r.seq === null ? null : Number(r.seq), occurred_at: r.occurred_at.toISOString() }));
    return { items, next_cursor: rows.length > limit ? encodeCursor('audit', [items[items.length - 1].id]) : null };
  }
}
