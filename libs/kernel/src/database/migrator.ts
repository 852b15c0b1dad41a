import { Client } from 'pg';
import { DataSource, MigrationInterface } from 'typeorm';
import { MIGRATIONS_TABLE, MIGRATION_LOCK_KEY } from './database-roles';

export type MigrationClass = new () => MigrationInterface;

export interface MigrationStatus {
  name: string;
  applied: boolean;
}

/**
 * Runs the ordered migrations as the connecting (owner) user. Every operation holds a session
 * advisory lock on a dedicated connection, so replicas starting together apply each migration once.
 */
export class Migrator {
  constructor(
    private readonly url: string,
    private readonly migrations: readonly MigrationClass[],
  ) {}

  private dataSource(): DataSource {
    return new DataSource({
      type: 'postgres',
      url: this.url,
      migrations: [...this.migrations],
      migrationsTableName: MIGRATIONS_TABLE,
      migrationsTransactionMode: 'each',
      synchronize: false,
      logging: false,
      extra: { max: 2, application_name: 'user-engine-migrator' },
    });
  }

  private async withLock<T>(work: (ds: DataSource) => Promise<T>): Promise<T> {
    const lock = new Client({ connectionString: this.url, application_name: 'user-engine-migration-lock' });
    await lock.connect();
    try {
      await lock.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
      const ds = await this.dataSource().initialize();
      try {
        return await work(ds);
      } finally {
        await ds.destroy();
      }
    } finally {
      await lock.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
      await lock.end();
    }
  }

  /** Applies pending migrations; returns the names applied. */
  async up(): Promise<string[]> {
    return this.withLock(async (ds) => (await ds.runMigrations({ transaction: 'each' })).map((m) => m.name));
  }

  /** Reverts the most recent migration; returns its name, or undefined when none is applied. */
  async down(): Promise<string | undefined> {
    return this.withLock(async (ds) => {
      const before = await appliedMigrations(ds);
      if (!before.length) return undefined;
      await ds.undoLastMigration({ transaction: 'each' });
      return before[before.length - 1];
    });
  }

  async status(): Promise<MigrationStatus[]> {
    return this.withLock(async (ds) => {
      const applied = new Set(await appliedMigrations(ds));
      return this.migrations.map((m) => {
        const name = new m().name ?? m.name;
        return { name, applied: applied.has(name) };
      });
    });
  }
}

export function migrationNames(migrations: readonly MigrationClass[]): string[] {
  return migrations.map((m) => new m().name ?? m.name);
}

/** Applied migration names in order; empty when the table does not exist yet. */
export async function appliedMigrations(ds: DataSource): Promise<string[]> {
  try {
    const rows: { name: string }[] = await ds.query(`SELECT name FROM public.${MIGRATIONS_TABLE} ORDER BY id`);
    return rows.map((r) => r.name);
  } catch (err) {
    // 42P01: no migration has ever run here.
    if ((err as { driverError?: { code?: string } }).driverError?.code === '42P01') return [];
    throw err;
  }
}
