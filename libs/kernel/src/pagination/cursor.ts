import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import type { ObjectLiteral, SelectQueryBuilder } from 'typeorm';
import { DomainError } from '../errors/domain-error';
import { isUuid } from '../ids/uuid';

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

export class PageQueryDto {
  @ApiPropertyOptional({ minimum: 1, maximum: MAX_PAGE_SIZE, default: DEFAULT_PAGE_SIZE })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_PAGE_SIZE)
  limit?: number;

  @ApiPropertyOptional({ description: 'Opaque cursor from a previous page (`next_cursor`).' })
  @IsOptional()
  @IsString()
  @MaxLength(512)
  cursor?: string;
}

export interface Page<T> {
  items: T[];
  /** Pass as `cursor` to get the next page; null on the last page. */
  next_cursor: string | null;
}

export const invalidCursor = (): DomainError =>
  new DomainError('invalid', 'KERNEL.INVALID_CURSOR', 'The cursor is not valid for this list.', {
    errors: [{ path: 'cursor', message: 'cursor is malformed or belongs to another list', rule: 'cursor' }],
  });

/** Cursors are opaque to clients: base64url JSON of the sort key of the last item, tagged by list. */
export function encodeCursor(list: string, key: readonly (string | number)[]): string {
  return Buffer.from(JSON.stringify({ l: list, k: key })).toString('base64url');
}

export function decodeCursor(list: string, cursor: string, arity: number): (string | number)[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalidCursor();
  }
  const c = parsed as { l?: unknown; k?: unknown };
  if (
    !c ||
    c.l !== list ||
    !Array.isArray(c.k) ||
    c.k.length !== arity ||
    !c.k.every((v) => typeof v === 'string' || typeof v === 'number')
  ) {
    throw invalidCursor();
  }
  return c.k as (string | number)[];
}

export interface KeysetOptions<T> {
  /** Distinguishes cursors of different lists. */
  list: string;
  /** Sort columns (qualified, e.g. `m.created_at`), ascending, ending in a unique column. */
  orderBy: readonly string[];
  /** Reads the sort key from a row, matching `orderBy`. */
  key: (row: T) => (string | number)[];
  limit?: number;
  cursor?: string;
}

/**
 * Keyset pagination: `WHERE (a, b) > (:a, :b) ORDER BY a, b LIMIT n+1`. Stable under concurrent
 * inserts and index-friendly, unlike OFFSET.
 */
export async function keysetPage<T extends ObjectLiteral>(qb: SelectQueryBuilder<T>, opts: KeysetOptions<T>): Promise<Page<T>> {
  const limit = opts.limit ?? DEFAULT_PAGE_SIZE;
  if (opts.cursor) {
    const key = decodeCursor(opts.list, opts.cursor, opts.orderBy.length);
    const params = Object.fromEntries(key.map((v, i) => [`__cursor${i}`, v]));
    qb.andWhere(`(${opts.orderBy.join(', ')}) > (${key.map((_, i) => `:__cursor${i}`).join(', ')})`, params);
  }
  opts.orderBy.forEach((col, i) => (i === 0 ? qb.orderBy(col, 'ASC') : qb.addOrderBy(col, 'ASC')));
  let rows: T[];
  try {
    rows = await qb.limit(limit + 1).getMany();
  } catch (err) {
    // A well-formed cursor whose values do not fit the columns (a forged one): class 22, data exception.
    if (opts.cursor && String((err as { driverError?: { code?: string } }).driverError?.code ?? '').startsWith('22')) throw invalidCursor();
    throw err;
  }
  const items = rows.slice(0, limit);
  const next = rows.length > limit ? encodeCursor(opts.list, opts.key(items[items.length - 1])) : null;
  return { items, next_cursor: next };
}

export interface IdPageQuery {
  /** Distinguishes cursors of different lists. */
  list: string;
  /** `FROM … ` clause target, e.g. `tenancy.tenants`. */
  from: string;
  /** The unique, time-ordered (UUIDv7) column the list is ordered by. */
  id: string;
  /** Conditions (`status = $1`) whose placeholders index into `params`. */
  where: string[];
  params: unknown[];
  order?: 'asc' | 'desc';
  limit?: number;
  cursor?: string;
}

/**
 * A raw-SQL keyset page ordered by a UUIDv7 id (id order is creation order, exactly — timestamps
 * lose microseconds in JSON): `WHERE … AND id > $cursor ORDER BY id LIMIT n+1`.
 */
export async function idPage<R extends Record<string, unknown>>(
  db: { query(sql: string, params?: unknown[]): Promise<unknown> },
  q: IdPageQuery,
): Promise<{ rows: R[]; next_cursor: string | null }> {
  const limit = q.limit ?? DEFAULT_PAGE_SIZE;
  const params = [...q.params];
  const where = [...q.where];
  const desc = q.order === 'desc';
  if (q.cursor) {
    const [id] = decodeCursor(q.list, q.cursor, 1);
    if (!isUuid(id)) throw invalidCursor();
    where.push(`${q.id} ${desc ? '<' : '>'} $${params.push(id)}::uuid`);
  }
  const result = await db.query(
    `SELECT * FROM ${q.from} ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY ${q.id} ${desc ? 'DESC' : 'ASC'} LIMIT $${params.push(limit + 1)}`,
    params,
  );
  const all = result as R[];
  const rows = all.slice(0, limit);
  const last = rows[rows.length - 1];
  return { rows, next_cursor: all.length > limit ? encodeCursor(q.list, [String(last[q.id])]) : null };
}
