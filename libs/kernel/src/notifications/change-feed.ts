import { Injectable } from '@nestjs/common';
import { UnitOfWork } from '../database/unit-of-work';
import { PgNotifications } from './pg-notifications';

export interface ChangeListener {
  /** `key` (e.g. a tenant id) changed; drop what is cached about it. */
  onChange(key: string): void;
  /** Notifications may have been missed (reconnect): drop everything. */
  onResync(): Promise<void> | void;
}

/**
 * "Something about `key` changed" signals for in-process caches. Sent from the transaction that
 * makes the change: this process's listeners hear it as soon as it commits (before the response
 * leaves), other processes through LISTEN/NOTIFY a few milliseconds later; a rollback sends nothing.
 */
@Injectable()
export class ChangeFeed {
  private readonly listeners = new Map<string, ChangeListener[]>();

  constructor(
    private readonly notifications: PgNotifications,
    private readonly uow: UnitOfWork,
  ) {}

  /** Subscribes before the application bootstraps (constructor or onModuleInit). */
  listen(channel: string, listener: ChangeListener): void {
    const first = !this.listeners.has(channel);
    this.listeners.set(channel, [...(this.listeners.get(channel) ?? []), listener]);
    if (first) {
      this.notifications.subscribe(channel, {
        onMessage: (key) => this.emit(channel, key),
        onResync: async () => {
          for (const l of this.listeners.get(channel) ?? []) await l.onResync();
        },
      });
    }
  }

  async changed(channel: string, key: string): Promise<void> {
    await this.notifications.notify(channel, key);
    await this.uow.afterCommit(() => this.emit(channel, key));
  }

  private emit(channel: string, key: string): void {
    for (const l of this.listeners.get(channel) ?? []) l.onChange(key);
  }
}
