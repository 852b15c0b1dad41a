import { Client } from 'pg';
import { DatabaseConfig } from '../config/database.config';
import { EmbeddedPostgres } from './embedded-postgres';

export class DatabaseUnavailableError extends Error {
  override name = 'DatabaseUnavailableError';
}

/** `postgres://user:***@host:port/db` — for messages and logs. */
export function maskUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparsable URL)';
  }
}

export interface ResolvedDatabase {
  url: string;
  embedded?: EmbeddedPostgres;
}

/** DATABASE_URL when set, otherwise the embedded server (started, or adopted if already running). */
export async function resolveDatabase(config: DatabaseConfig, log: (m: string) => void): Promise<ResolvedDatabase> {
  if (config.url) {
    await checkReachable(config.url, 'DATABASE_URL');
    return { url: config.url };
  }
  const embedded = await EmbeddedPostgres.start({ dir: config.embeddedDir, port: config.embeddedPort, log });
  await checkReachable(embedded.url, 'the embedded PostgreSQL');
  return { url: embedded.url, embedded };
}

export async function checkReachable(url: string, what: string): Promise<void> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
  } catch (err) {
    const e = err as { code?: string; message: string };
    throw new DatabaseUnavailableError(`Cannot reach PostgreSQL at ${maskUrl(url)} (${what}): ${e.code ? `${e.code} ` : ''}${e.message}`);
  } finally {
    await client.end().catch(() => undefined);
  }
}
