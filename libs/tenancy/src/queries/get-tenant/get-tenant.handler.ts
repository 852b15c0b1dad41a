import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { TenantsRepository } from '../../persistence/tenants.repository';
import { toTenantView, type TenantView } from '../views';
import { GetTenant } from './get-tenant.query';

@QueryHandler(GetTenant)
export class GetTenantHandler implements IQueryHandler<GetTenant, TenantView | undefined> {
  constructor(private readonly tenants: TenantsRepository) {}

  async execute(q: GetTenant): Promise<TenantView | undefined> {
    const row = await this.tenants.find(q.tenantId);
    return row && toTenantView(row);
  }
}
