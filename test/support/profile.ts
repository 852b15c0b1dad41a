import { GOOD_PASSWORD, mailboxToken, post, serverErrors, signIn, type SignedIn, uniqueEmail } from './account';
import { invitationToken } from './tenancy';
import { eventually, type TestApp } from './test-app';
import type { TestDatabase } from './test-database';

/** A global profile row as stored (`profile.profiles`). */
export interface ProfileRow {
  user_id: string;
  display_name: string | null;
  first_name: string | null;
  last_name: string | null;
  bio: string | null;
  picture_url: string | null;
  locale: string | null;
  timezone: string | null;
  attributes: Record<string, Record<string, unknown>>;
  created_at: Date;
  updated_at: Date;
}

/** A tenant layer row as stored (`profile.tenant_layers`). */
export interface LayerRow extends Omit<ProfileRow, 'created_at' | 'updated_at'> {
  tenant_id: string;
  title: string | null;
  created_at: Date;
  updated_at: Date;
}

/** Signs a user up with a display name (what `user.created` carries), verifies and signs in. */
export async function signUpNamed(t: TestApp, db: TestDatabase, displayName: string | null): Promise<SignedIn> {
  const email = uniqueEmail('profile');
  const reg = await post(t, '/v1/users', {
    email,
    password: GOOD_PASSWORD,
    ...(displayName === null ? {} : { display_name: displayName }),
  });
  if (reg.statusCode !== 202) throw new Error(`register: ${reg.statusCode} ${reg.body}${serverErrors(t)}`);
  const token = await mailboxToken(db, email, 'account.verify-email');
  const verified = await post(t, '/v1/users/verify-email', { token });
  if (verified.statusCode !== 200) throw new Error(`verify: ${verified.statusCode} ${verified.body}${serverErrors(t)}`);
  return signIn(t, email, GOOD_PASSWORD);
}

export async function profileRow(db: TestDatabase, userId: string): Promise<ProfileRow | undefined> {
  return (await db.query<ProfileRow>(`SELECT * FROM profile.profiles WHERE user_id = $1`, [userId]))[0];
}

/** Waits for the user.created reaction to have created the user's global profile. */
export function waitForProfile(db: TestDatabase, userId: string): Promise<ProfileRow> {
  return eventually(() => profileRow(db, userId), 15_000, `the profile of ${userId}`);
}

export async function layerRow(db: TestDatabase, tenantId: string, userId: string): Promise<LayerRow | undefined> {
  return (await db.query<LayerRow>(`SELECT * FROM profile.tenant_layers WHERE tenant_id = $1 AND user_id = $2`, [tenantId, userId]))[0];
}

/** Counts read as the owner (row-level security does not apply). */
export async function countOf(db: TestDatabase, sql: string, params: unknown[]): Promise<number> {
  const [{ n }] = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${sql}`, params);
  return n;
}

export interface ProfileEventRow {
  id: string;
  type: string;
  version: number;
  tenant_id: string | null;
  aggregate_type: string;
  aggregate_id: string;
  actor: unknown;
  payload: { user_id: string; tenant_id: string | null; layer: string; changes: string[]; updated_at: string };
}

/** The user's `profile.updated` events, oldest first. */
export function profileEvents(db: TestDatabase, userId: string): Promise<ProfileEventRow[]> {
  return db.query<ProfileEventRow>(
    `SELECT id, type, version, tenant_id, aggregate_type, aggregate_id, actor, payload FROM kernel.outbox
      WHERE type = 'profile.updated' AND aggregate_id = $1 ORDER BY occurred_at, id`,
    [userId],
  );
}

export interface ProfileAuditRow {
  tenant_id: string | null;
  actor_type: string;
  actor_id: string | null;
  action: string;
  outcome: string;
  resource_type: string | null;
  resource_id: string | null;
  ip: string | null;
  data: unknown;
}

/** The user's `profile.updated` audit entries, oldest first. */
export function profileAudits(db: TestDatabase, userId: string): Promise<ProfileAuditRow[]> {
  return db.query<ProfileAuditRow>(
    `SELECT tenant_id, actor_type, actor_id, action, outcome, resource_type, resource_id, ip, data FROM kernel.audit_log
      WHERE action = 'profile.updated' AND resource_id = $1 ORDER BY occurred_at, id`,
    [userId],
  );
}

/** Whether `handler` has processed (through the inbox) an outbox event of `type` whose payload has `key` = `value`. */
export async function handled(db: TestDatabase, handler: string, type: string, key: string, value: string): Promise<boolean> {
  const rows = await db.query<{ ok: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM kernel.inbox i JOIN kernel.outbox o ON o.id = i.event_id
                     WHERE i.handler = $1 AND o.type = $2 AND o.payload->>$3 = $4) AS ok`,
    [handler, type, key, value],
  );
  return rows[0].ok;
}

/** Makes an existing user an active member of `tenantId` with `roles` (invited by `by`, accepted by them). */
export async function joinTenant(
  t: TestApp,
  db: TestDatabase,
  tenantId: string,
  by: SignedIn,
  user: SignedIn,
  roles: string[] = ['viewer'],
): Promise<void> {
  const inv = await post(t, `/v1/tenants/${tenantId}/invitations`, { email: user.email, roles }, by.accessToken);
  if (inv.statusCode !== 201) throw new Error(`invite: ${inv.statusCode} ${inv.body}`);
  const token = await invitationToken(db, user.email);
  const accepted = await post(t, '/v1/invitations/accept', { token }, user.accessToken);
  if (accepted.statusCode !== 200) throw new Error(`accept: ${accepted.statusCode} ${accepted.body}`);
}
