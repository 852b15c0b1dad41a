import { Injectable, Logger } from '@nestjs/common';
import { ClsService } from 'nestjs-cls';
import { DataSource, EntityManager } from 'typeorm';
import { isUuid } from '../ids/uuid';
import { PLATFORM_ROLE } from './database-roles';

/**
 * Which rows a transaction may see:
 * - `tenant`: rows of one tenant, enforced by row-level security (`app.tenant_id` set with SET LOCAL);
 * - `platform`: explicit platform-wide work (operators, dispatcher, jobs) — the policies allow it;
 * - `global`: tables that are not tenant-scoped; tenant-scoped tables show nothing.
 */
export type Scope = { readonly kind: 'tenant'; readonly tenantId: string } | { readonly kind: 'platform' } | { readonly kind: 'global' };

export const Scopes = {
  tenant: (tenantId: string): Scope => ({ kind: 'tenant', tenantId }),
  platform: { kind: 'platform' } as Scope,
  global: { kind: 'global' } as Scope,
};

interface ActiveTransaction {
  manager: EntityManager;
  scope: Scope;
  /** Run once the outermost transaction has committed (never after a rollback). */
  afterCommit: (() => Promise<void> | void)[];
  /** Run once the outermost transaction has ended, committed or rolled back. */
  afterEnd: (() => Promise<void> | void)[];
}

const TX_KEY = Symbol('kernel.transaction');

export class UnitOfWorkError extends Error {
  override name = 'UnitOfWorkError';
}

function sameScope(a: Scope, b: Scope): boolean {
  return a.kind === b.kind && (a.kind !== 'tenant' || a.tenantId === (b as { tenantId: string }).tenantId);
}

/**
 * One command = one transaction. The EntityManager of the open transaction travels in
 * AsyncLocalStorage (nestjs-cls), so repositories and the outbox join it without passing it around.
 */
@Injectable()
export class UnitOfWork {
  private savepoints = 0;
  private readonly logger = new Logger('UnitOfWork');

  constructor(
    private readonly dataSource: DataSource,
    private readonly cls: ClsService,
  ) {}

  /** The manager of the current transaction; throws outside one (a write must never run unscoped). */
  get manager(): EntityManager {
    const tx = this.current();
    if (!tx) throw new UnitOfWorkError('No unit of work is active: run this inside UnitOfWork.run() or a command handler.');
    return tx.manager;
  }

  get scope(): Scope | undefined {
    return this.current()?.scope;
  }

  get active(): boolean {
    return this.current() !== undefined;
  }

  private current(): ActiveTransaction | undefined {
    return this.cls.isActive() ? this.cls.get<ActiveTransaction | undefined>(TX_KEY) : undefined;
  }

  /**
   * Runs `work` in a transaction of its own, even inside another one: what it writes commits
   * whatever the surrounding transaction does (e.g. the audit entry of a refused request).
   */
  runSeparately<T>(scope: Scope, work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.cls.run({ ifNested: 'inherit' }, () => {
      this.cls.set(TX_KEY, undefined);
      return this.run(scope, work);
    });
  }

  /**
   * Runs `work` in a transaction of the given scope. Inside an open transaction of the same scope it
   * joins it; a different scope is a programming error (it would silently widen or narrow what the
   * outer transaction sees), so it throws instead.
   */
  async run<T>(scope: Scope, work: (manager: EntityManager) => Promise<T>): Promise<T> {
    if (scope.kind === 'tenant' && !isUuid(scope.tenantId)) {
      throw new UnitOfWorkError(`Invalid tenant id for a tenant-scoped transaction: ${String(scope.tenantId)}`);
    }
    const outer = this.current();
    if (outer) {
      if (!sameScope(outer.scope, scope)) {
        throw new UnitOfWorkError(`Nested unit of work with scope ${describe(scope)} inside ${describe(outer.scope)}.`);
      }
      // A savepoint lets the outer work catch the inner failure and go on with a usable transaction.
      const savepoint = `uow_${++this.savepoints}`;
      const callbacks = outer.afterCommit.length;
      await outer.manager.query(`SAVEPOINT ${savepoint}`);
      try {
        const result = await work(outer.manager);
        await outer.manager.query(`RELEASE SAVEPOINT ${savepoint}`);
        return result;
      } catch (err) {
        await outer.manager.query(`ROLLBACK TO SAVEPOINT ${savepoint}`).catch(() => undefined);
        outer.afterCommit.length = callbacks; // what the failed part scheduled is dropped with it
        throw err;
      }
    }
    // A child context per transaction: concurrent transactions in one request never share a manager.
    const afterCommit: ActiveTransaction['afterCommit'] = [];
    const afterEnd: ActiveTransaction['afterEnd'] = [];
    let result: T;
    try {
      result = await this.cls.run({ ifNested: 'inherit' }, () =>
        this.dataSource.transaction(async (manager) => {
          await applyScope(manager, scope);
          this.cls.set(TX_KEY, { manager, scope, afterCommit, afterEnd } satisfies ActiveTransaction);
          try {
            return await work(manager);
          } finally {
            this.cls.set(TX_KEY, undefined);
          }
        }),
      );
    } finally {
      for (const callback of afterEnd) {
        try {
          await callback();
        } catch (err) {
          this.logger.error(`after-transaction action failed: ${(err as Error).message}`);
        }
      }
    }
    for (const callback of afterCommit) {
      try {
        await callback();
      } catch (err) {
        // The transaction is committed: a failing follow-up (a mail) is reported, not rethrown.
        this.logger.error(`after-commit action failed: ${(err as Error).message}`);
      }
    }
    return result;
  }

  /**
   * Schedules `action` for after the current transaction ends, whether it commits or rolls back —
   * for records that must survive a failing operation without holding a second pooled connection
   * while the first is busy (a refusal's audit entry). Outside a transaction it runs at once.
   */
  async afterEnd(action: () => Promise<void> | void): Promise<void> {
    const tx = this.current();
    if (tx) tx.afterEnd.push(action);
    else await action();
  }

  /**
   * Schedules `action` for after the current transaction commits — for effects outside the
   * database that must not happen if it rolls back (sending a mail with a fresh token). Outside a
   * transaction it runs at once.
   */
  async afterCommit(action: () => Promise<void> | void): Promise<void> {
    const tx = this.current();
    if (tx) tx.afterCommit.push(action);
    else await action();
  }
}

async function applyScope(manager: EntityManager, scope: Scope): Promise<void> {
  switch (scope.kind) {
    case 'tenant':
      // set_config(..., true) is SET LOCAL: it ends with the transaction and never leaks to the pool.
      await manager.query(`SELECT set_config('app.tenant_id', $1, true)`, [scope.tenantId]);
      return;
    case 'platform':
      await manager.query(`SET LOCAL ROLE ${PLATFORM_ROLE}`);
      return;
    case 'global':
      return;
  }
}

function describe(scope: Scope): string {
  return scope.kind === 'tenant' ? `tenant(${scope.tenantId})` : scope.kind;
}
