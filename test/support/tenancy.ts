import type { LightMyRequestResponse } from 'fastify';
import { mailboxToken, post, signUp, type SignedIn } from './account';
import type { TestDatabase } from './test-database';
import type { TestApp } from './test-app';

let slugCounter = 0;
/** A fresh slug per call. */
export function uniqueSlug(prefix = 't'): string {
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${++slugCounter}`;
}

export function patch(t: TestApp, url: string, payload: unknown, token?: string): Promise<LightMyRequestResponse> {
  return t.inject({ method: 'PATCH', url, payload: payload as object, headers: token ? { authorization: `Bearer ${token}` } : {} });
}

export function put(t: TestApp, url: string, payload: unknown, token?: string): Promise<LightMyRequestResponse> {
  return t.inject({ method: 'PUT', url, payload: payload as object, headers: token ? { authorization: `Bearer ${token}` } : {} });
}

/** Creates a tenant owned by `owner`; returns its id. */
export async function createTenant(t: TestApp, owner: SignedIn, name = 'Acme'): Promise<string> {
  const res = await post(t, '/v1/tenants', { name, slug: uniqueSlug() }, owner.accessToken);
  if (res.statusCode !== 201) throw new Error(`create tenant: ${res.statusCode} ${res.body}`);
  return res.json<{ id: string }>().id;
}

/** The token of the newest invitation mail to `email`. */
export function invitationToken(db: TestDatabase, email: string, after = 0): Promise<string> {
  return mailboxToken(db, email, 'tenancy.invitation', after);
}

/** Signs a new user up and makes them an active member of `tenantId` with `roles` (invited by `by`). */
export async function addMember(
  t: TestApp,
  db: TestDatabase,
  tenantId: string,
  by: SignedIn,
  roles: string[] = ['viewer'],
): Promise<SignedIn> {
  const user = await signUp(t, db);
  const inv = await post(t, `/v1/tenants/${tenantId}/invitations`, { email: user.email, roles }, by.accessToken);
  if (inv.statusCode !== 201) throw new Error(`invite: ${inv.statusCode} ${inv.body}`);
  const token = await invitationToken(db, user.email);
  const accepted = await post(t, '/v1/invitations/accept', { token }, user.accessToken);
  if (accepted.statusCode !== 200) throw new Error(`accept: ${accepted.statusCode} ${accepted.body}`);
  return user;
}

/** Makes `user` a platform operator directly in the database (what `cli bootstrap-admin` does). */
export async function makeOperator(db: TestDatabase, user: SignedIn): Promise<void> {
  await db.query(`INSERT INTO access.platform_roles (user_id, role) VALUES ($1, 'platform-operator') ON CONFLICT DO NOTHING`, [
    user.userId,
  ]);
}

/** A tenant-scoped access token for `user` in `tenantId`. */
export async function tenantToken(t: TestApp, user: SignedIn, tenantId: string): Promise<string> {
  const res = await post(t, '/v1/auth/token', { tenant_id: tenantId }, user.accessToken);
  if (res.statusCode !== 200) throw new Error(`tenant token: ${res.statusCode} ${res.body}`);
  return res.json<{ access_token: string }>().access_token;
}
