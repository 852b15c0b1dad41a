import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { SeatLimits, type SeatUsage } from '../../seat-limits';
import { GetSeatUsage } from './get-seat-usage.query';

@QueryHandler(GetSeatUsage)
export class GetSeatUsageHandler implements IQueryHandler<GetSeatUsage, SeatUsage> {
  constructor(private readonly seats: SeatLimits) {}

  execute(q: GetSeatUsage): Promise<SeatUsage> {
    return this.seats.usage(q.tenantId);
  }
}
