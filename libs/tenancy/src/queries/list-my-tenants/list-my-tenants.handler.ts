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
import type { MembershipRow, TenantRow } from '../../persistence/tenancy.rows';
import { toTenantView, type TenantView } from '../views';
import { ListMyTenants } from './list-my-tenants.query';

export interface MyTenantView extends TenantView {
  membership: { status: MembershipRow['status']; roles: string[]; joined_at: string };
}

@QueryHandler(ListMyTenants)
export class ListMyTenantsHandler implements IQueryHandler<ListMyTenants, Page<MyTenantView>> {
  constructor(private readonly uow: UnitOfWork) {}

  async execute(q: ListMyTenants): Promise<Page<MyTenantView>> {
    const limit = q.page.limit ?? DEFAULT_PAGE_SIZE;
    const after = q.page.cursor ? decodeCursor('my-tenants', q.page.cursor, 1)[0] : null;
    if (after !== null && !isUuid(after)) throw invalidCursor();
    const rows = await queryRows<TenantRow & { m_status: MembershipRow['status']; m_roles: string[]; m_created_at: Date }>(
      this.uow.manager,
      `SELECT t.*, m.status AS m_status, m.roles AS m_roles, m.created_at AS m_created_at
         FROM tenancy.memberships m JOIN tenancy.tenants t ON t.tenant_id = m.tenant_id
        WHERE m.user_id = $1 AND t.status <> 'deleted' AND ($2::uuid IS NULL OR t.tenant_id > $2::uuid)
        ORDER BY t.tenant_id LIMIT $3`,
      [q.userId, after, limit + 1],
    );
    const items = rows.slice(0, limit).map((r) => ({
      ...toTenantView(r),
      membership: { status: r.m_status, roles: r.m_roles, joined_at: r.m_created_at.toISOString() },
    }));
    return { items, next_cursor: rows.length > limit ? encodeCursor('my-tenants', [items[items.length - 1].id]) : null };
  }
}
