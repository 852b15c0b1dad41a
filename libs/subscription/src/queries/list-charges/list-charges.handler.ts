import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import type { Page } from '@user-engine/kernel';
import { SubscriptionsRepository } from '../../persistence/subscriptions.repository';
import { type ChargeView, toChargeView } from '../views';
import { ListCharges } from './list-charges.query';

@QueryHandler(ListCharges)
export class ListChargesHandler implements IQueryHandler<ListCharges, Page<ChargeView>> {
  constructor(private readonly subscriptions: SubscriptionsRepository) {}

  async execute(q: ListCharges): Promise<Page<ChargeView>> {
    const { rows, next_cursor } = await this.subscriptions.chargesOf(q.subject, q.page);
    return { items: rows.map(toChargeView), next_cursor };
  }
}
