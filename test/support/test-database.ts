import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { APP_ROLE } from '@user-engine/kernel';

/** Set by global-setup: a server URL allowed to CREATE DATABASE, and the migrated template's name. */
export function adminUrl(): string {
  const url = process.env.UE_TEST_ADMIN_URL;
  if (!url) throw new Error('UE_TEST_ADMIN_URL is not set: run the tests through jest (global-setup).');
  return url;
}

export function templateName(): string {
  const name = process.env.UE_TEST_TEMPLATE;
  if (!name) throw new Error('UE_TEST_TEMPLATE is not set: run the tests through jest (global-setup).');
  return name;
}

export function databaseUrl(name: string): string {
  const u = new URL(adminUrl());
  u.pathname = `/${name}`;
  return u.toString();
}

export interface TestDatabase {
  name: string;
  /** Owner (or superuser) connection: what DATABASE_URL would be. */
  url: string;
  /** A connection whose session runs as the application role, for isolation tests. */
  appRoleUrl: string;
  /** Runs SQL as the owner. */
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  drop(): Promise<void>;
}

async function withClient<T>(url: string, work: (c: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** A fresh database cloned from the migrated template: suites never share state. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `${templateName()}_${randomBytes(5).toString('hex')}`;
  for (let attempt = 0; ; attempt++) {
    try {
      await withClient(adminUrl(), (c) => c.query(`CREATE DATABASE "${name}" TEMPLATE "${templateName()}"`));
      break;
    } catch (err) {
      // 55006: the template is briefly in use by a concurrent clone.
      if ((err as { code?: string }).code !== '55006' || attempt > 50) throw err;
      await new Promise((r) => setTimeout(r, 50 + Math.random() * 100));
    }
  }
  const url = databaseUrl(name);
  const appRole = new URL(url);
  appRole.searchParams.set('options', `-c role=${APP_ROLE}`);
  return {
    name,
    url,
    appRoleUrl: appRole.toString(),
    query: (sql, params) => withClient(url, async (c) => (await c.query(sql, params)).rows),
    drop: () => withClient(adminUrl(), (c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)).then(() => undefined),
  };
}
