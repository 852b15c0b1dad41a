import { Injectable, OnModuleInit } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { RequestContext } from '../context/request-context';
import { Scope, UnitOfWork } from '../database/unit-of-work';

/** A command or query that states the rows it works on; otherwise the request's scope applies. */
export interface Scoped {
  readonly scope: Scope;
}

/**
 * A use case that spends long stretches outside the database (a bcrypt hash takes ~250 ms) must not
 * hold a pooled connection meanwhile — nor wait for a second one while holding the first, which
 * exhausts the pool under load. It sets `ownTransactions` and opens short units of work itself.
 */
export interface OwnsTransactions {
  readonly ownTransactions: true;
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
          (message as Partial<OwnsTransactions>).ownTransactions === true && !this.uow.active
            ? execute(message, ...rest)
            : this.uow.run(declaredScope(message) ?? this.uow.scope ?? this.context.scope(), () => execute(message, ...rest)),
      });
    }
  }
}
