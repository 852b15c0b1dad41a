import type { DataSource, EntityManager } from 'typeorm';

/**
 * Rows of a raw query. TypeORM returns `[rows, rowCount]` for UPDATE/DELETE and plain rows for
 * SELECT/INSERT; this hides the difference so `... RETURNING` reads the same everywhere.
 */
export async function queryRows<T = Record<string, unknown>>(
  db: DataSource | EntityManager,
  sql: string,
  params: unknown[] = [],
): Promise<T[]> {
  const result: unknown = await db.query(sql, params);
  if (Array.isArray(result) && result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number') {
    return result[0] as T[];
  }
  return (result ?? []) as T[];
}
