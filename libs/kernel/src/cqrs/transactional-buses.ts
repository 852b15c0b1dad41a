import { Injectable, OnModuleInit } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { RequestContext } from '../context/request-context';
import { Scope, UnitOfWork } from '../database/unit-of-work';

/** A command or query that states the rows it works on; otherwise the request's scope applies. */
export interface Scoped {
  readonly scope: Scope;
}

function declaredScope(message: object): Scope | undefined {
  const scope = (message as Partial<Scoped>).scope;
  return scope && typeof scope === 'object' && 'kind' in scope ? scope : undefined;
}

/**
 * The unit of work around every command and query handler: executing a command opens one
 * transaction (or joins the caller's), in the command's declared scope or the request's tenant.
 * Wrapping the buses here keeps handlers free of transaction code and makes "one command = one
 * transaction" hold by construction rather than by convention.
 */
@Injectable()
export class TransactionalBuses implements OnModuleInit {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
    private readonly uow: UnitOfWork,
    private readonly context: RequestContext,
  ) {}

  onModuleInit(): void {
    for (const bus of [this.commands, this.queries] as const) {
      const execute = bus.execute.bind(bus) as (message: object, ...rest: unknown[]) => Promise<unknown>;
      Object.defineProperty(bus, 'execute', {
        configurable: true,
        value: (message: object, ...rest: unknown[]) =>
          this.uow.run(declaredScope(message) ?? this.uow.scope ?? this.context.scope(), () => execute(message, ...rest)),
      });
    }
  }
}
