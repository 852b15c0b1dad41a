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
import type { TenantRow } from '../../persistence/tenancy.rows';
import { likePrefix } from '../list-members/list-members.handler';
import { toTenantView, type TenantView } from '../views';
import { ListTenants } from './list-tenants.query';

@QueryHandler(ListTenants)
export class ListTenantsHandler implements IQueryHandler<ListTenants, Page<TenantView>> {
  constructor(private readonly uow: UnitOfWork) {}

  async execute(q: ListTenants): Promise<Page<TenantView>> {
    const limit = q.page.limit ?? DEFAULT_PAGE_SIZE;
    const where: string[] = [];
    const params: unknown[] = [];
    if (q.filter.status) where.push(`status = $${params.push(q.filter.status)}`);
    if (q.filter.query) where.push(`slug COLLATE "C" LIKE $${params.push(likePrefix(q.filter.query.toLowerCase()))}`);
    if (q.page.cursor) {
      // Ids are UUIDv7: id order is creation order.
      const [id] = decodeCursor('tenants', q.page.cursor, 1);
      if (!isUuid(id)) throw invalidCursor();
      where.push(`tenant_id > $${params.push(id)}::uuid`);
    }
    const rows = await queryRows<TenantRow>(
      this.uow.manager,
      `SELECT * FROM tenancy.tenants ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
        ORDER BY tenant_id LIMIT $${params.push(limit + 1)}`,
      params,
    );
    const items = rows.slice(0, limit);
    const last = items[items.length - 1];
    return {
      items: items.map(toTenantView),
      next_cursor: rows.length > limit ? encodeCursor('tenants', [last.tenant_id]) : null,
    };
  }
}
