/**
 * Roles created by the first migration. The application connects with the credentials it is given
 * (often the tables' owner) but switches to APP_ROLE for every session, so row-level security
 * applies to all of its queries; PLATFORM_ROLE is taken with SET LOCAL ROLE for explicit
 * platform-wide work, which the policies allow. Neither owns a table or bypasses RLS.
 */
export const APP_ROLE = 'user_engine_app';
export const PLATFORM_ROLE = 'user_engine_platform';
export const MIGRATIONS_TABLE = 'user_engine_migrations';
/** Key of the advisory lock that serialises migrations between processes. */
export const MIGRATION_LOCK_KEY = 727_011_001;
