import { Client } from 'pg';
import { Migrator, migrationNames } from '@user-engine/kernel';
import { MIGRATIONS } from '@user-engine/migrations';
import { runTs } from './support/child-process';
import { adminUrl, databaseUrl, templateName } from './support/test-database';

/** An empty database (not cloned from the migrated template). */
async function emptyDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `${templateName()}_m${Math.random().toString(16).slice(2, 10)}`;
  const admin = new Client({ connectionString: adminUrl() });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  return {
    url: databaseUrl(name),
    drop: async () => {
      const c = new Client({ connectionString: adminUrl() });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await c.end();
    },
  };
}

async function query<T>(url: string, sql: string): Promise<T[]> {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query(sql)).rows as T[];
  } finally {
    await c.end();
  }
}

describe('migrations', () => {
  it('processes starting together apply each migration exactly once (advisory lock)', async () => {
    const db = await emptyDatabase();
    try {
      const results = await Promise.all([1, 2, 3].map(() => new Migrator(db.url, MIGRATIONS).up()));
      // exactly one runner applied them; the others found nothing to do
      expect(results.map((r) => r.length).sort()).toEqual([0, 0, MIGRATIONS.length]);
      const rows = await query<{ name: string }>(db.url, `SELECT name FROM user_engine_migrations ORDER BY id`);
      expect(rows.map((r) => r.name)).toEqual(migrationNames(MIGRATIONS));
    } finally {
      await db.drop();
    }
  });

  it('status, down and up again', async () => {
    const db = await emptyDatabase();
    try {
      const migrator = new Migrator(db.url, MIGRATIONS);
      expect((await migrator.status()).every((m) => !m.applied)).toBe(true);
      await migrator.up();
      expect((await migrator.status()).every((m) => m.applied)).toBe(true);
      const last = migrationNames(MIGRATIONS).at(-1);
      expect(await migrator.down()).toBe(last);
      expect((await migrator.status()).at(-1)).toEqual({ name: last, applied: false });
      if (MIGRATIONS.length === 1) {
        expect(await query(db.url, `SELECT schema_name FROM information_schema.schemata WHERE schema_name = 'kernel'`)).toEqual([]);
      }
      expect(await migrator.up()).toEqual([last]);
      expect(await query(db.url, `SELECT to_regclass('kernel.outbox')::text AS t`)).toEqual([{ t: 'kernel.outbox' }]);
    } finally {
      await db.drop();
    }
  });

  it('the CLI migrates and reports status; a bad command is a usage error', async () => {
    const db = await emptyDatabase();
    try {
      const up = runTs('apps/cli/src/main.ts', { DATABASE_URL: db.url }, ['migrate', 'up']);
      expect((await up.exited).code).toBe(0);
      expect(up.stdout()).toContain(`applied: ${migrationNames(MIGRATIONS).join(', ')}`);
      const status = runTs('apps/cli/src/main.ts', { DATABASE_URL: db.url }, ['migrate', 'status']);
      expect((await status.exited).code).toBe(0);
      expect(status.stdout().trim().split('\n')).toEqual(migrationNames(MIGRATIONS).map((n) => `applied  ${n}`));
      const verify = runTs('apps/cli/src/main.ts', { DATABASE_URL: db.url }, ['audit', 'verify']);
      expect((await verify.exited).code).toBe(0);
      expect(JSON.parse(verify.stdout())).toMatchObject({ intact: true });
      const bad = runTs('apps/cli/src/main.ts', { DATABASE_URL: db.url }, ['migrate', 'sideways']);
      expect((await bad.exited).code).toBe(2);
      expect(bad.stderr()).toContain('unknown command: migrate sideways');
    } finally {
      await db.drop();
    }
  });
});
