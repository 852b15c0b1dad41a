import { Injectable, OnModuleInit } from '@nestjs/common';
import { PgNotifications, UnitOfWork } from '@user-engine/kernel';
import type { UserView } from '../queries/user.view';

const CHANNEL = 'account_users';
const MAX_ENTRIES = 50_000;
const TTL_MS = 60_000;

/**
 * Users as the API shows them, cached per process so an authenticated `GET /v1/me` (and other
 * modules' user lookups) cost no database round trip. Every change to a user row announces the id
 * over NOTIFY from its transaction, so each process drops the entry once the change is committed;
 * a reconnect of the listener clears everything, and entries expire after a minute regardless.
 */
@Injectable()
export class UserCache implements OnModuleInit {
  private readonly entries = new Map<string, { view: UserView; until: number }>();
  /** Bumped by every invalidation: a read that overlapped one must not be cached. */
  private generation = 0;

  constructor(
    private readonly notifications: PgNotifications,
    private readonly uow: UnitOfWork,
  ) {}

  onModuleInit(): void {
    this.notifications.subscribe(CHANNEL, {
      onMessage: (id) => this.forget(id),
      onResync: async () => {
        this.generation++;
        this.entries.clear();
      },
    });
  }

  /** The cached view, or the result of `load` (cached when no change raced with it). */
  async get(id: string, load: () => Promise<UserView | undefined>): Promise<UserView | undefined> {
    const hit = this.entries.get(id);
    if (hit && hit.until > Date.now()) return hit.view;
    const generation = this.generation;
    const view = await load();
    if (view && generation === this.generation) {
      if (this.entries.size >= MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value as string);
      this.entries.set(id, { view, until: Date.now() + TTL_MS });
    }
    return view;
  }

  /** Announces a change of this user from the current transaction (effective once it commits). */
  async changed(id: string): Promise<void> {
    await this.notifications.notify(CHANNEL, id);
    this.forget(id); // also now: a read in this transaction must not re-cache the old row
    await this.uow.afterCommit(() => this.forget(id));
  }

  private forget(id: string): void {
    this.generation++;
    this.entries.delete(id);
  }
}
