import { Injectable } from '@nestjs/common';
import { ClsService } from 'nestjs-cls';
import type { EventActorV1, EventDefinition } from '@user-engine/contracts';
import { UnitOfWork } from '../database/unit-of-work';
import { uuidv7 } from '../ids/uuid';

export interface PublishInput<P> {
  tenantId?: string | null;
  aggregate: { type: string; id: string };
  actor?: EventActorV1 | null;
  payload: P;
}

/**
 * Writes an integration event into the outbox of the current transaction: the event exists if and
 * only if the state change it describes was committed.
 */
@Injectable()
export class OutboxPublisher {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly cls: ClsService,
  ) {}

  async publish<P>(event: EventDefinition<P>, input: PublishInput<NoInfer<P>>): Promise<string> {
    const id = uuidv7();
    const requestId = this.cls.isActive() ? ((this.cls.getId() as string | undefined) ?? null) : null;
    await this.uow.manager.query(
      `INSERT INTO kernel.outbox (id, type, version, tenant_id, aggregate_type, aggregate_id, actor, request_id, occurred_at, payload)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, now(), $9)`,
      [
        id,
        event.type,
        event.version,
        input.tenantId ?? null,
        input.aggregate.type,
        input.aggregate.id,
        input.actor ? JSON.stringify(input.actor) : null,
        requestId,
        JSON.stringify(input.payload),
      ],
    );
    return id;
  }
}
