import { Inject, Injectable, Logger, OnApplicationBootstrap, BeforeApplicationShutdown } from '@nestjs/common';
import { ClsService } from 'nestjs-cls';
import { kernelConfig, type KernelConfig } from '../config/kernel.config';
import { APP_ROLE, PLATFORM_ROLE } from '../database/database-roles';
import { queryRows } from '../database/query-rows';
import { Scopes, UnitOfWork } from '../database/unit-of-work';
import { uuidv7 } from '../ids/uuid';

/** The chain of platform-level entries (no tenant). */
export const PLATFORM_CHAIN = '00000000-0000-0000-0000-000000000000';

export interface AuditEntryInput {
  tenantId?: string | null;
  actor: { type: 'user' | 'service' | 'system' | 'anonymous'; id?: string | null };
  /** `<area>.<event>`, e.g. `auth.login.succeeded`, `authz.denied`. */
  action: string;
  outcome: 'success' | 'failure' | 'denied';
  resource?: { type: string; id?: string | null };
  ip?: string | null;
  userAgent?: string | null;
  /** Never a password, token or secret. */
  data?: Record<string, unknown>;
}

export interface ChainVerification {
  chainId: string;
  intact: boolean;
  sealed: number;
  unsealed: number;
  /** The first broken link, when the chain is not intact. */
  brokenAt?: { seq: number; id: string | null; reason: 'hash_mismatch' | 'prev_hash_mismatch' | 'missing_entry' | 'head_mismatch' };
}

/**
 * Append-only, hash-chained audit trail. Appends join the caller's transaction when there is one (the
 * entry commits with the change it records) and never wait on other appends; the sealer links
 * entries into their chain in the background.
 */
@Injectable()
export class AuditLog implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('AuditLog');
  private timer?: NodeJS.Timeout;
  private sealing?: Promise<number>;

  constructor(
    private readonly uow: UnitOfWork,
    private readonly cls: ClsService,
    @Inject(kernelConfig.KEY) private readonly config: KernelConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      if (!this.sealing) void this.sealPending().catch((err: Error) => this.logger.error(`sealing failed: ${err.message}`));
    }, this.config.auditSealInterval);
    this.timer.unref();
  }

  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.sealing?.catch(() => undefined);
  }

  /**
   * Appends an entry. Inside a transaction it commits or rolls back with the change it records,
   * whatever the transaction's scope; with `separate` (or outside a transaction) it is written in a
   * transaction of its own and survives a failing operation — the way to record refusals and failed
   * logins.
   */
  async append(entry: AuditEntryInput, options: { separate?: boolean } = {}): Promise<string> {
    const id = uuidv7();
    const tenantId = entry.tenantId ?? null;
    const requestId = this.cls.isActive() ? ((this.cls.getId() as string | undefined) ?? null) : null;
    const params = [
      tenantId ?? PLATFORM_CHAIN,
      id,
      tenantId,
      entry.actor.type,
      entry.actor.id ?? null,
      entry.action,
      entry.outcome,
      entry.resource?.type ?? null,
      entry.resource?.id ?? null,
      requestId,
      entry.ip ?? null,
      entry.userAgent ?? null,
      JSON.stringify(entry.data ?? {}),
    ];
    const sql = `INSERT INTO kernel.audit_log
      (chain_id, id, tenant_id, occurred_at, actor_type, actor_id, action, outcome, resource_type, resource_id, request_id, ip, user_agent, data)
      VALUES ($1, $2, $3, clock_timestamp(), $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`;
    const scope = this.uow.scope;
    const separately = () => this.uow.runSeparately(tenantId ? Scopes.tenant(tenantId) : Scopes.platform, (m) => m.query(sql, params));
    if (!scope) {
      await separately();
    } else if (options.separate) {
      // Written once the surrounding transaction has ended (its rollback does not take the entry
      // with it), so the request never waits for a second connection while holding one.
      await this.uow.afterEnd(separately);
    } else if (scope.kind === 'platform' || tenantId === null || (scope.kind === 'tenant' && scope.tenantId === tenantId)) {
      // Platform-chain entries may be appended by the application role from any scope.
      await this.uow.manager.query(sql, params);
    } else {
      // The entry belongs to another tenant's chain than the transaction's scope: insert it as the
      // platform role, then return to the app role.
      const m = this.uow.manager;
      await m.query(`SET LOCAL ROLE ${PLATFORM_ROLE}`);
      try {
        await m.query(sql, params);
      } finally {
        await m.query(`SET LOCAL ROLE ${APP_ROLE}`);
      }
    }
    return id;
  }

  /** Seals every pending entry of every chain; returns how many were sealed. */
  sealPending(batch = 500): Promise<number> {
    if (this.sealing) return this.sealing.then(() => this.sealPending(batch));
    this.sealing = (async () => {
      let total = 0;
      const chains = await this.uow.run(Scopes.platform, (m) =>
        queryRows<{ chain_id: string }>(m, `SELECT DISTINCT chain_id FROM kernel.audit_log WHERE seq IS NULL`),
      );
      for (const { chain_id } of chains) {
        for (;;) {
          const [{ n }] = await this.uow.run(Scopes.platform, (m) =>
            queryRows<{ n: number }>(m, `SELECT kernel.seal_audit_chain($1, $2) AS n`, [chain_id, batch]),
          );
          total += n;
          if (n < batch) break;
        }
      }
      return total;
    })().finally(() => {
      this.sealing = undefined;
    });
    return this.sealing;
  }

  /** Chain id for a tenant (or the platform chain). */
  static chainOf(tenantId: string | null | undefined): string {
    return tenantId ?? PLATFORM_CHAIN;
  }

  /**
   * Recomputes a chain from its first entry and reports the first broken link: a changed entry
   * (hash mismatch), a removed one (sequence gap), a re-linked one (prev hash mismatch) or a cut tail
   * (the head disagrees with the last entry).
   */
  async verify(tenantId: string | null): Promise<ChainVerification> {
    const chainId = AuditLog.chainOf(tenantId);
    return this.uow.run(Scopes.platform, async (m) => {
      const result: ChainVerification = { chainId, intact: true, sealed: 0, unsealed: 0 };
      let expectedSeq = 1;
      let prevHash: Buffer | null = null;
      const page = 2000;
      for (;;) {
        const rows = await queryRows<{ seq: string; id: string; prev_hash: Buffer | null; hash: Buffer; expected: Buffer }>(
          m,
          `SELECT seq, id, prev_hash, hash, kernel.audit_hash(prev_hash, a) AS expected
             FROM kernel.audit_log a
            WHERE chain_id = $1 AND seq IS NOT NULL AND seq >= $2
            ORDER BY seq LIMIT $3`,
          [chainId, expectedSeq, page],
        );
        for (const row of rows) {
          const seq = Number(row.seq);
          const broken = (reason: NonNullable<ChainVerification['brokenAt']>['reason'], at = seq, id: string | null = row.id) => {
            result.intact = false;
            result.brokenAt = { seq: at, id, reason };
          };
          if (seq !== expectedSeq) broken('missing_entry', expectedSeq, null);
          else if (!bytesEqual(row.prev_hash, prevHash)) broken('prev_hash_mismatch');
          else if (!bytesEqual(row.hash, row.expected)) broken('hash_mismatch');
          if (!result.intact) return this.withCounts(m, result);
          prevHash = row.hash;
          expectedSeq++;
          result.sealed++;
        }
        if (rows.length < page) break;
      }
      const head = await queryRows<{ last_seq: string; last_hash: Buffer | null }>(
        m,
        `SELECT last_seq, last_hash FROM kernel.audit_chains WHERE chain_id = $1`,
        [chainId],
      );
      const lastSeq = head.length ? Number(head[0].last_seq) : 0;
      if (lastSeq !== result.sealed || !bytesEqual(head[0]?.last_hash ?? null, prevHash)) {
        result.intact = false;
        result.brokenAt = { seq: result.sealed + 1, id: null, reason: lastSeq > result.sealed ? 'missing_entry' : 'head_mismatch' };
      }
      return this.withCounts(m, result);
    });
  }

  private async withCounts(m: import('typeorm').EntityManager, result: ChainVerification): Promise<ChainVerification> {
    const [{ n }] = await queryRows<{ n: string }>(m, `SELECT count(*) AS n FROM kernel.audit_log WHERE chain_id = $1 AND seq IS NULL`, [
      result.chainId,
    ]);
    result.unsealed = Number(n);
    return result;
  }
}

function bytesEqual(a: Buffer | null, b: Buffer | null): boolean {
  if (!a || !b) return a === b || (!a && !b);
  return a.equals(b);
}
