import { SetMetadata, applyDecorators } from '@nestjs/common';
import { EventsHandler, IEventHandler } from '@nestjs/cqrs';
import type { EventDefinition, IntegrationEvent } from '@user-engine/contracts';
import type { Scope } from '../database/unit-of-work';

export const INTEGRATION_EVENT_HANDLER = Symbol('kernel.integration-event-handler');

export interface IntegrationEventHandlerOptions {
  /**
   * Stable name recorded in the inbox (defaults to the class name). Renaming a handler class
   * without pinning this would make it see already-processed events as new.
   */
  name?: string;
  /**
   * The transaction scope the handler runs in. Default: the event's tenant when it has one,
   * otherwise `global`.
   */
  scope?: 'platform' | 'global' | 'event-tenant';
}

export interface IntegrationEventHandlerMetadata {
  events: EventDefinition<unknown>[];
  options: IntegrationEventHandlerOptions;
}

/**
 * Marks a @nestjs/cqrs event handler as a consumer of outbox events. The dispatcher calls it once per
 * event, inside a transaction that also records the delivery in `kernel.inbox`, so a redelivered
 * event is a no-op and the handler's own writes commit atomically with that record.
 */
export function IntegrationEventHandler(
  // Any payload type: handlers of different events share this decorator.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  events: EventDefinition<any> | EventDefinition<any>[],
  options: IntegrationEventHandlerOptions = {},
): ClassDecorator {
  const list = Array.isArray(events) ? events : [events];
  return applyDecorators(
    EventsHandler(...list),
    SetMetadata(INTEGRATION_EVENT_HANDLER, { events: list, options } satisfies IntegrationEventHandlerMetadata),
  );
}

export type IntegrationHandler<P = unknown> = IEventHandler<IntegrationEvent<P>> & {
  handle(event: IntegrationEvent<P>): Promise<void> | void;
};

export function handlerScope(options: IntegrationEventHandlerOptions, tenantId: string | null): Scope {
  if (options.scope === 'platform') return { kind: 'platform' };
  if (options.scope === 'global' || !tenantId) return { kind: 'global' };
  return { kind: 'tenant', tenantId };
}
