import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { Writable } from 'node:stream';
import { createApp } from '../../apps/api/src/bootstrap';
import type { FeatureModule } from '../../apps/api/src/feature-modules';
import { probeFeature } from './probe/probe.module';
import { PROBE_SCHEMA_SQL } from './probe/probe.sql';
import { createTestDatabase, type TestDatabase } from './test-database';

export interface TestApp {
  app: NestFastifyApplication;
  /** Every JSON log line written so far. */
  logs: Record<string, unknown>[];
  inject(options: InjectOptions): Promise<LightMyRequestResponse>;
  get<T>(token: abstract new (...args: never[]) => T): T;
  close(): Promise<void>;
}

/** Settings that make tests fast and deterministic; any can be overridden per suite. */
export const TEST_ENV: Record<string, string> = {
  NODE_ENV: 'test',
  LOG_LEVEL: 'info',
  // Processes started from these settings (serve children) bind ephemeral ports: suites run in parallel.
  INTERNAL_PORT: '0',
  INTERNAL_HOST: '127.0.0.1',
  OUTBOX_POLL_INTERVAL: '100ms',
  OUTBOX_RETRY_BASE: '20ms',
  OUTBOX_RETRY_MAX: '200ms',
  OUTBOX_LEASE: '5s',
  AUDIT_SEAL_INTERVAL: '1h',
  DATABASE_POOL_SIZE: '5',
  // The lowest bcrypt cost: tests exercise the rules, the benchmark measures the real cost.
  ACCOUNT_BCRYPT_COST: '4',
  KEYS_ENCRYPTION_KEY: 'test-only-keys-encryption-key-0123456789abcdef',
  ACCOUNT_PASSWORD_PEPPER: 'test-only-password-pepper-0123456789abcdef',
  // Suites sign many users up from 127.0.0.1; the mail limits have their own tests.
  ACCOUNT_MAIL_MAX_PER_ADDRESS: '1000',
  ACCOUNT_MAIL_MAX_PER_IP: '100000',
};

/** Boots the real application (Fastify, global pipes, filters and hooks) on a test database. */
export async function startTestApp(
  db: TestDatabase,
  options: { env?: Record<string, string | undefined>; extra?: FeatureModule[]; registry?: Record<string, FeatureModule> } = {},
): Promise<TestApp> {
  const logs: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line.trim()) logs.push(JSON.parse(line) as Record<string, unknown>);
      }
      done();
    },
  });
  const env = { ...TEST_ENV, DATABASE_URL: db.url, ...options.env };
  const app = await createApp({
    env,
    registry: options.registry ?? (options.extra ? Object.fromEntries(options.extra.map((m, i) => [`extra${i}`, m])) : undefined),
    logDestination: destination,
  });
  await app.getHttpAdapter().getInstance().ready();
  return {
    app,
    logs,
    inject: (o) => app.inject(o) as unknown as Promise<LightMyRequestResponse>,
    get: (token) => app.get(token as never),
    close: () => app.close(),
  };
}

/** Polls until `check` returns a truthy value (or fails after `timeoutMs`). */
export async function eventually<T>(
  check: () => Promise<T | undefined | null | false>,
  timeoutMs = 15_000,
  label = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${label}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export interface SuiteContext {
  db: TestDatabase;
  t: TestApp;
}

/**
 * Registers beforeAll/afterAll that give the suite its own database (with the probe module's
 * tables when `probe` is set) and, unless `app: false`, a running application on it.
 */
export function useTestApp(
  options: { probe?: boolean; app?: boolean; env?: Record<string, string | undefined>; registry?: Record<string, FeatureModule> } = {},
): SuiteContext {
  const ctx = {} as SuiteContext;
  beforeAll(async () => {
    ctx.db = await createTestDatabase();
    if (options.probe) await ctx.db.query(PROBE_SCHEMA_SQL);
    if (options.app !== false) {
      ctx.t = await startTestApp(ctx.db, {
        env: options.env,
        registry: options.registry ?? (options.probe ? { probe: probeFeature } : undefined),
      });
    }
  });
  afterAll(async () => {
    await ctx.t?.close();
    await ctx.db?.drop();
  });
  return ctx;
}
