import { IQueryHandler, QueryHandler, QueryBus } from '@nestjs/cqrs';
import type { InternalEntitlementsV1 } from '@user-engine/contracts';
import { GetSeatUsage, type SeatUsage } from '@user-engine/tenancy';
import { SubscriptionsRepository } from '../../persistence/subscriptions.repository';
import { GetEntitlements } from './get-entitlements.query';

@QueryHandler(GetEntitlements)
export class GetEntitlementsHandler implements IQueryHandler<GetEntitlements, InternalEntitlementsV1> {
  constructor(
    private readonly subscriptions: SubscriptionsRepository,
    private readonly queries: QueryBus,
  ) {}

  async execute(q: GetEntitlements): Promise<InternalEntitlementsV1> {
    const [row, usage] = await Promise.all([
      this.subscriptions.effectivePlan(q.userId, q.tenantId),
      this.queries.execute<GetSeatUsage, SeatUsage>(new GetSeatUsage(q.tenantId)),
    ]);
    const source = row.membership ? 'membership' : row.tenant ? 'tenant' : row.user ? 'user' : null;
    return {
      tenant_id: q.tenantId,
      user_id: q.userId,
      plan: row.plan,
      source,
      status: row.tenant_status,
      features: row.features ?? {},
      seats: { limit: row.tenant ? row.tenant_seats : null, used: usage.active },
    };
  }
}
