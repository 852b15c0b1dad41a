import { BeforeApplicationShutdown, Inject, Injectable, OnApplicationBootstrap, OnModuleInit } from '@nestjs/common';
import { PgNotifications, queryRows, Scopes, UnitOfWork } from '@user-engine/kernel';
import { accountConfig, type AccountConfig } from '../account.config';
import { CLOCK_SKEW_MS } from './signing-keys';

const CHANNEL = 'account_revocations';

type Message = { s: string } | { u: string; b: number };

/**
 * Which access tokens must be refused although their signature is good: those of revoked sessions
 * and those issued before a user's "revoked before" instant. Held in memory — checking a token costs
 * no database read — and kept exact across processes: a revocation is NOTIFY'd by the transaction
 * that makes it (so listeners hear it only once it is committed) and the list is reloaded whenever
 * the listening connection is (re-)established. Entries are dropped once every token they could
 * refuse has expired anyway.
 */
@Injectable()
export class RevocationList implements OnModuleInit, OnApplicationBootstrap, BeforeApplicationShutdown {
  private sessions = new Map<string, number>();
  private users = new Map<string, number>();
  /** Messages heard while a reload runs: its snapshot may predate them, so they are applied again. */
  private heardDuringReload?: Message[];
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly uow: UnitOfWork,
    private readonly notifications: PgNotifications,
    @Inject(accountConfig.KEY) private readonly config: AccountConfig,
  ) {}

  private get horizon(): number {
    return this.config.accessTokenTtl + CLOCK_SKEW_MS;
  }

  onModuleInit(): void {
    this.notifications.subscribe(CHANNEL, { onMessage: (p) => this.apply(JSON.parse(p) as Message), onResync: () => this.reload() });
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => this.prune(), 60_000);
    this.timer.unref();
  }

  beforeApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /** True when a token of this session, issued at `issuedAt` (seconds), must be refused. */
  isRevoked(userId: string, sessionId: string, issuedAt: number): boolean {
    if (this.sessions.has(sessionId)) return true;
    const before = this.users.get(userId);
    // `iat` has one-second resolution; the sessions revoked together with it cover the same second.
    return before !== undefined && issuedAt < Math.floor(before / 1000);
  }

  /** Announces revoked sessions from the current transaction (effective everywhere once it commits). */
  async sessionsRevoked(sessionIds: readonly string[]): Promise<void> {
    for (const s of sessionIds) await this.announce({ s });
  }

  async tokensRevokedBefore(userId: string, at: number): Promise<void> {
    await this.announce({ u: userId, b: at });
  }

  private async announce(message: Message): Promise<void> {
    await this.notifications.notify(CHANNEL, JSON.stringify(message));
    // This process need not wait for its own notification to come back.
    await this.uow.afterCommit(() => this.apply(message));
  }

  private apply(message: Message): void {
    this.heardDuringReload?.push(message);
    const now = Date.now();
    if ('s' in message) this.sessions.set(message.s, now);
    else if ((this.users.get(message.u) ?? 0) < message.b) this.users.set(message.u, message.b);
  }

  async reload(): Promise<void> {
    const heard: Message[] = [];
    this.heardDuringReload = heard;
    try {
      await this.load();
    } finally {
      if (this.heardDuringReload === heard) this.heardDuringReload = undefined;
    }
    for (const m of heard) this.apply(m);
  }

  private async load(): Promise<void> {
    const since = [this.horizon];
    const [sessions, users] = await this.uow.run(Scopes.global, async (m) => [
      await queryRows<{ id: string; at: Date }>(
        m,
        `SELECT id, revoked_at AS at FROM account.sessions WHERE revoked_at > now() - ($1::bigint * interval '1 millisecond')`,
        since,
      ),
      await queryRows<{ id: string; at: Date }>(
        m,
        `SELECT id, sessions_revoked_before AS at FROM account.users
          WHERE sessions_revoked_before > now() - ($1::bigint * interval '1 millisecond')`,
        since,
      ),
    ]);
    this.sessions = new Map(sessions.map((r) => [r.id, r.at.getTime()]));
    this.users = new Map(users.map((r) => [r.id, r.at.getTime()]));
  }

  private prune(): void {
    const cutoff = Date.now() - this.horizon;
    for (const [k, at] of this.sessions) if (at < cutoff) this.sessions.delete(k);
    for (const [k, at] of this.users) if (at < cutoff) this.users.delete(k);
  }
}
