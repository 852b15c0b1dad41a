/** `LIKE` pattern matching strings that start with `prefix` (its metacharacters taken literally). */
export function likePrefix(prefix: string): string {
  return `${prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** Whether a query failed on a unique constraint (SQLSTATE 23505), as TypeORM wraps driver errors. */
export function isUniqueViolation(err: unknown): boolean {
  return (err as { driverError?: { code?: string } } | null)?.driverError?.code === '23505';
}
