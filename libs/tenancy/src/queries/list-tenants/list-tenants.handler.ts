import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { idPage, likePrefix, type Page, UnitOfWork } from '@user-engine/kernel';
import type { TenantRow } from '../../persistence/tenancy.rows';
import { toTenantView, type TenantView } from '../views';
import { ListTenants } from './list-tenants.query';

@QueryHandler(ListTenants)
export class ListTenantsHandler implements IQueryHandler<ListTenants, Page<TenantView>> {
  constructor(private readonly uow: UnitOfWork) {}

  async execute(q: ListTenants): Promise<Page<TenantView>> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (q.filter.status) where.push(`status = $${params.push(q.filter.status)}`);
    if (q.filter.query) where.push(`slug COLLATE "C" LIKE $${params.push(likePrefix(q.filter.query.toLowerCase()))}`);
    // Ids are UUIDv7: id order is creation order.
    const page = await idPage<TenantRow & Record<string, unknown>>(this.uow.manager, {
      list: 'tenants',
      from: 'tenancy.tenants',
      id: 'tenant_id',
      where,
      params,
      ...q.page,
    });
    return { items: page.rows.map(toTenantView), next_cursor: page.next_cursor };
  }
}
