// Tenants (create, list, read, rename, delete), the platform tenant routes, onboarding diagnostics,
// the tenant audit trail and its export, the erasure job, and where tenancy meets the account
// module (/v1/me, login with tenant_id, account deletion).
import type { LightMyRequestResponse } from 'fastify';
import { AuditLog } from '@user-engine/kernel';
import { TenancyHousekeeping } from '@user-engine/tenancy';
import { del, get, post, signUp, type SignedIn } from './support/account';
import { addMember, createTenant, makeOperator, patch, uniqueSlug } from './support/tenancy';
import { eventually, useTestApp } from './support/test-app';
import { expectProblem } from './support/problems';
import { waitForSubscription } from './support/subscription';

const DAY = 86_400_000;
const ALL_TENANT_PERMISSIONS = [
  'audit:read',
  'members:invite',
  'members:manage',
  'members:read',
  'profile:read',
  'roles:assign',
  'roles:manage',
  'roles:read',
  'subscription:manage',
  'subscription:read',
  'tenants:delete',
  'tenants:manage',
  'tenants:read',
];

interface OutboxRow {
  type: string;
  tenant_id: string | null;
  aggregate_type: string;
  aggregate_id: string;
  payload: Record<string, unknown>;
}

interface AuditRow {
  id: string;
  action: string;
  outcome: string;
  actor_type: string;
  actor_id: string | null;
  resource_type: string | null;
  resource_id: string | null;
  user_agent: string | null;
  occurred_at: Date;
  data: Record<string, unknown>;
}

interface TenantBody {
  id: string;
  name: string;
  slug: string;
  status: string;
  created_at: string;
  updated_at: string;
  suspended_at: string | null;
  deleted_at: string | null;
  erase_after: string | null;
}

function expectInvalid(res: LightMyRequestResponse, paths: string[]): void {
  expectProblem(res, 400, 'KERNEL.VALIDATION_FAILED');
  const errors = res.json<{ errors: { path: string; message: string }[] }>().errors;
  expect(Array.isArray(errors)).toBe(true);
  expect(errors.map((e) => e.path)).toEqual(expect.arrayContaining(paths));
  for (const e of errors) expect(typeof e.message).toBe('string');
}

function expectForbidden(res: LightMyRequestResponse, reason: string): void {
  expectProblem(res, 403, 'AUTHZ.FORBIDDEN');
  expect(res.json().reason).toBe(reason);
}

function claimsOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8')) as Record<string, unknown>;
}

/** RFC 4180: CRLF-terminated records, fields optionally in double quotes with "" escapes. */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let quoted = false;
  let wasQuoted = false;
  for (let i = 0; i < text.length;) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i += 2;
      } else if (ch === '"') {
        quoted = false;
        i++;
      } else {
        field += ch;
        i++;
      }
      continue;
    }
    if (ch === '"') {
      if (field !== '' || wasQuoted) throw new Error(`stray quote at ${i}`);
      quoted = wasQuoted = true;
      i++;
    } else if (ch === ',') {
      record.push(field);
      field = '';
      wasQuoted = false;
      i++;
    } else if (ch === '\r' && text[i + 1] === '\n') {
      record.push(field);
      records.push(record);
      record = [];
      field = '';
      wasQuoted = false;
      i += 2;
    } else if (ch === '\r' || ch === '\n') {
      throw new Error(`bare line break at ${i}`);
    } else {
      if (wasQuoted) throw new Error(`text after a closing quote at ${i}`);
      field += ch;
      i++;
    }
  }
  if (quoted || field !== '' || record.length) throw new Error('the last record is not terminated by CRLF');
  return records;
}

describe('tenants, platform tenant routes, diagnostics, audit trail, erasure, account integration', () => {
  const ctx = useTestApp();

  // Tenancy's own events: the subscription module's reactions (the tenant's trial) publish theirs asynchronously.
  const outbox = (tenantId: string, type?: string) =>
    ctx.db.query<OutboxRow>(
      `SELECT type, tenant_id, aggregate_type, aggregate_id, payload FROM kernel.outbox
        WHERE tenant_id = $1 AND aggregate_type <> 'subscription' AND ($2::text IS NULL OR type = $2) ORDER BY occurred_at, id`,
      [tenantId, type ?? null],
    );
  const audit = (tenantId: string, action?: string) =>
    ctx.db.query<AuditRow>(
      `SELECT id, action, outcome, actor_type, actor_id, resource_type, resource_id, user_agent, occurred_at, data
         FROM kernel.audit_log WHERE chain_id = $1 AND ($2::text IS NULL OR action = $2) ORDER BY id`,
      [tenantId, action ?? null],
    );
  const tenantRow = async (tenantId: string) =>
    (
      await ctx.db.query<{
        status: string;
        name: string;
        slug: string;
        deleted_at: Date | null;
        erase_after: Date | null;
        suspended_at: Date | null;
      }>(`SELECT status, name, slug, deleted_at, erase_after, suspended_at FROM tenancy.tenants WHERE tenant_id = $1`, [tenantId])
    )[0];
  /** Everything a tenancy write touches, for "nothing changed" assertions. */
  // The subscription module's reactions (trials, ends) write asynchronously: left out of "nothing changed".
  const snapshot = async () =>
    (
      await ctx.db.query(
        `SELECT (SELECT count(*) FROM tenancy.tenants)::int AS tenants,
                (SELECT count(*) FROM tenancy.memberships)::int AS memberships,
                (SELECT count(*) FROM tenancy.invitations)::int AS invitations,
                (SELECT count(*) FROM kernel.outbox WHERE aggregate_type <> 'subscription')::int AS outbox,
                (SELECT count(*) FROM kernel.audit_log WHERE action <> 'authz.denied' AND resource_type IS DISTINCT FROM 'subscription')::int AS audit,
                (SELECT coalesce(max(updated_at), 'epoch') FROM tenancy.tenants) AS last_update,
                (SELECT string_agg(tenant_id || ':' || status || ':' || name || ':' || slug, ',' ORDER BY tenant_id) FROM tenancy.tenants) AS tenants_state`,
      )
    )[0];
  const sessions = async (userId: string) =>
    (await ctx.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM account.sessions WHERE user_id = $1`, [userId]))[0].n;
  const login = (user: SignedIn, tenantId?: string) =>
    post(ctx.t, '/v1/auth/login', { email: user.email, password: user.password, ...(tenantId ? { tenant_id: tenantId } : {}) });
  const create = (user: SignedIn, body: unknown, headers: Record<string, string> = {}) =>
    ctx.t.inject({
      method: 'POST',
      url: '/v1/tenants',
      payload: body as object,
      headers: { authorization: `Bearer ${user.accessToken}`, ...headers },
    });

  describe('POST /v1/tenants', () => {
    it('creates the tenant, makes the caller its owner, and records events and audit entries', async () => {
      const { t, db } = ctx;
      const owner = await signUp(t, db);
      const slug = uniqueSlug('create');
      const before = Date.now();
      const res = await create(owner, { name: '  Acme Inc.  ', slug });
      expect(res.statusCode).toBe(201);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      const body = res.json<TenantBody>();
      expect(Object.keys(body).sort()).toEqual(
        ['created_at', 'deleted_at', 'erase_after', 'id', 'name', 'slug', 'status', 'suspended_at', 'updated_at'].sort(),
      );
      expect(body).toMatchObject({ name: 'Acme Inc.', slug, status: 'active', suspended_at: null, deleted_at: null, erase_after: null });
      expect(body.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(Date.parse(body.created_at)).toBeGreaterThanOrEqual(before - 5_000);

      expect(await tenantRow(body.id)).toMatchObject({ status: 'active', name: 'Acme Inc.', slug, deleted_at: null, erase_after: null });
      const memberships = await db.query(`SELECT user_id, email, status, roles, invited_by FROM tenancy.memberships WHERE tenant_id = $1`, [
        body.id,
      ]);
      expect(memberships).toEqual([
        { user_id: owner.userId, email: owner.email.toLowerCase(), status: 'active', roles: ['owner'], invited_by: null },
      ]);

      const events = await outbox(body.id);
      expect(events.map((e) => e.type)).toEqual(['tenant.created', 'membership.added']);
      expect(events[0]).toMatchObject({ tenant_id: body.id, aggregate_type: 'tenant', aggregate_id: body.id });
      expect(events[0].payload).toEqual({
        tenant_id: body.id,
        name: 'Acme Inc.',
        slug,
        created_by: owner.userId,
        created_at: body.created_at,
      });
      expect(events[1]).toMatchObject({ tenant_id: body.id, aggregate_type: 'membership', aggregate_id: `${body.id}:${owner.userId}` });
      expect(events[1].payload).toEqual({
        tenant_id: body.id,
        user_id: owner.userId,
        status: 'active',
        roles: ['owner'],
        via: 'tenant_created',
      });

      // Tenancy's entries (the trial the subscription module starts is audited in this chain too, asynchronously).
      const entries = (await audit(body.id)).filter((e) => e.resource_type !== 'subscription');
      expect(entries.map((e) => e.action)).toEqual(['tenant.created', 'membership.added']);
      expect(entries[0]).toMatchObject({
        outcome: 'success',
        actor_type: 'user',
        actor_id: owner.userId,
        resource_type: 'tenant',
        resource_id: body.id,
        data: { name: 'Acme Inc.', slug },
      });
      expect(entries[1]).toMatchObject({
        outcome: 'success',
        actor_id: owner.userId,
        resource_type: 'membership',
        resource_id: owner.userId,
        data: { roles: ['owner'], via: 'tenant_created' },
      });
    });

    it('accepts the boundaries: a 1-character slug, a 63-character slug, a 200-character name', async () => {
      const owner = await signUp(ctx.t, ctx.db);
      const one = '7';
      expect((await create(owner, { name: 'x', slug: one })).statusCode).toBe(201);
      const long = `${uniqueSlug('b')}-${'a'.repeat(63)}`.slice(0, 63);
      expect(long).toMatch(/^[a-z0-9][a-z0-9-]{61}[a-z0-9]$/);
      const res = await create(owner, { name: 'n'.repeat(200), slug: long });
      expect(res.statusCode).toBe(201);
      expect(res.json()).toMatchObject({ slug: long, name: 'n'.repeat(200) });
    });

    it('a taken slug → 409 TENANCY.SLUG_TAKEN and nothing is written', async () => {
      const owner = await signUp(ctx.t, ctx.db);
      const other = await signUp(ctx.t, ctx.db);
      const slug = uniqueSlug('taken');
      expect((await create(owner, { name: 'First', slug })).statusCode).toBe(201);
      const before = await snapshot();
      const res = await create(other, { name: 'Second', slug });
      expectProblem(res, 409, 'TENANCY.SLUG_TAKEN');
      expect(res.json().errors).toEqual([expect.objectContaining({ path: 'slug' })]);
      expect(await snapshot()).toEqual(before);
      expect(await ctx.db.query(`SELECT tenant_id FROM tenancy.memberships WHERE user_id = $1`, [other.userId])).toEqual([]);
    });

    it.each([
      ['a missing name', { slug: 'valid-slug' }, ['name']],
      ['an empty name', { name: '', slug: 'valid-slug' }, ['name']],
      ['a blank name (trimmed to nothing)', { name: '    ', slug: 'valid-slug' }, ['name']],
      ['a 201-character name', { name: 'n'.repeat(201), slug: 'valid-slug' }, ['name']],
      ['a missing slug', { name: 'Acme' }, ['slug']],
      ['an upper-case slug', { name: 'Acme', slug: 'Acme' }, ['slug']],
      ['a slug with a leading hyphen', { name: 'Acme', slug: '-acme' }, ['slug']],
      ['a slug with a trailing hyphen', { name: 'Acme', slug: 'acme-' }, ['slug']],
      ['a 64-character slug', { name: 'Acme', slug: 'a'.repeat(64) }, ['slug']],
      ['a slug with other characters', { name: 'Acme', slug: 'acme_inc' }, ['slug']],
      ['an empty slug', { name: 'Acme', slug: '' }, ['slug']],
      ['an unknown field', { name: 'Acme', slug: 'valid-slug', plan: 'pro' }, ['plan']],
      ['a numeric name', { name: 42, slug: 'valid-slug' }, ['name']],
      ['an array slug', { name: 'Acme', slug: ['valid-slug'] }, ['slug']],
      ['a null name', { name: null, slug: 'valid-slug' }, ['name']],
    ])('%s → 400 KERNEL.VALIDATION_FAILED and nothing is written', async (_label, body, paths) => {
      const owner = await signUp(ctx.t, ctx.db);
      const before = await snapshot();
      expectInvalid(await create(owner, body), paths);
      expect(await snapshot()).toEqual(before);
    });

    it('a body that is not an object → 400, nothing written', async () => {
      const owner = await signUp(ctx.t, ctx.db);
      const before = await snapshot();
      const res = await ctx.t.inject({
        method: 'POST',
        url: '/v1/tenants',
        payload: '{"name": "Acme", ',
        headers: { authorization: `Bearer ${owner.accessToken}`, 'content-type': 'application/json' },
      });
      expect(res.statusCode).toBe(400);
      expect(res.json().code).toBe('KERNEL.MALFORMED_JSON');
      expect(await snapshot()).toEqual(before);
    });

    it('anonymous → 401, nothing written', async () => {
      const before = await snapshot();
      expectProblem(await post(ctx.t, '/v1/tenants', { name: 'Acme', slug: uniqueSlug() }), 401, 'AUTH.UNAUTHENTICATED');
      expect(await snapshot()).toEqual(before);
    });

    it('Idempotency-Key: a replay returns the same tenant and only one is created', async () => {
      const owner = await signUp(ctx.t, ctx.db);
      const slug = uniqueSlug('idem');
      const key = `create-tenant-${Date.now()}`;
      const first = await create(owner, { name: 'Once', slug }, { 'idempotency-key': key });
      const second = await create(owner, { name: 'Once', slug }, { 'idempotency-key': key });
      expect(first.statusCode).toBe(201);
      expect(second.statusCode).toBe(201);
      expect(second.json()).toEqual(first.json());
      expect(second.headers['idempotent-replayed']).toBe('true');
      const rows = await ctx.db.query<{ tenant_id: string }>(`SELECT tenant_id FROM tenancy.tenants WHERE slug = $1`, [slug]);
      expect(rows).toEqual([{ tenant_id: first.json().id }]);
      expect(await ctx.db.query(`SELECT user_id FROM tenancy.memberships WHERE tenant_id = $1`, [first.json().id])).toHaveLength(1);
      expect((await outbox(first.json().id, 'tenant.created')).length).toBe(1);
      // Without the key the same body is a new request: the slug is now taken.
      expectProblem(await create(owner, { name: 'Once', slug }), 409, 'TENANCY.SLUG_TAKEN');
    });

    it('Idempotency-Key: keys never cross callers; the same key with another body → 422', async () => {
      const owner = await signUp(ctx.t, ctx.db);
      const other = await signUp(ctx.t, ctx.db);
      const slug = uniqueSlug('idem2');
      const key = `shared-key-${Date.now()}`;
      const first = await create(owner, { name: 'Mine', slug }, { 'idempotency-key': key });
      expect(first.statusCode).toBe(201);
      // Another user with the same key and body is a different request: not a replay of the owner's.
      const theirs = await create(other, { name: 'Mine', slug }, { 'idempotency-key': key });
      expectProblem(theirs, 409, 'TENANCY.SLUG_TAKEN');
      expect(theirs.headers['idempotent-replayed']).toBeUndefined();
      const before = await snapshot();
      const reused = await create(owner, { name: 'Different', slug: uniqueSlug('idem3') }, { 'idempotency-key': key });
      expectProblem(reused, 422, 'KERNEL.IDEMPOTENCY_KEY_REUSED');
      expect(await snapshot()).toEqual(before);
    });

    it('concurrent creations with one slug: exactly one 201, the others 409 (never 500)', async () => {
      const users = await Promise.all([0, 1, 2, 3, 4].map(() => signUp(ctx.t, ctx.db)));
      const slug = uniqueSlug('race');
      const results = await Promise.all(users.map((u, i) => create(u, { name: `Racer ${i}`, slug })));
      const statuses = results.map((r) => r.statusCode).sort();
      expect(statuses).toEqual([201, 409, 409, 409, 409]);
      for (const r of results.filter((x) => x.statusCode === 409)) expect(r.json().code).toBe('TENANCY.SLUG_TAKEN');
      const winner = results.find((r) => r.statusCode === 201)!.json<TenantBody>();
      expect(await ctx.db.query(`SELECT tenant_id FROM tenancy.tenants WHERE slug = $1`, [slug])).toEqual([{ tenant_id: winner.id }]);
      expect(await ctx.db.query(`SELECT count(*)::int AS n FROM tenancy.memberships WHERE tenant_id = $1`, [winner.id])).toEqual([
        { n: 1 },
      ]);
      expect((await outbox(winner.id)).map((e) => e.type)).toEqual(['tenant.created', 'membership.added']);
    });
  });

  describe('GET /v1/tenants', () => {
    it('lists only my tenants, with my membership; pages with limit and cursor', async () => {
      const { t, db } = ctx;
      const me = await signUp(t, db);
      const stranger = await signUp(t, db);
      const a = await createTenant(t, me, 'Mine A');
      const b = await createTenant(t, me, 'Mine B');
      const theirs = await createTenant(t, stranger, 'Theirs');
      // Membership in someone else's tenant, as a viewer.
      const ownerOfC = await signUp(t, db);
      const c = await createTenant(t, ownerOfC, 'Shared');
      const viewer = await addMember(t, db, c, ownerOfC, ['viewer']);

      const res = await get(t, '/v1/tenants', me.accessToken);
      expect(res.statusCode).toBe(200);
      const page = res.json<{ items: (TenantBody & { membership: Record<string, unknown> })[]; next_cursor: string | null }>();
      expect(page.next_cursor).toBeNull();
      expect(page.items.map((i) => i.id)).toEqual([a, b].sort());
      expect(page.items.map((i) => i.id)).not.toContain(theirs);
      for (const item of page.items) {
        expect(item).toMatchObject({ status: 'active', membership: { status: 'active', roles: ['owner'], joined_at: expect.any(String) } });
        expect(Object.keys(item.membership).sort()).toEqual(['joined_at', 'roles', 'status']);
      }

      const viewerList = await get(t, '/v1/tenants', viewer.accessToken);
      expect(viewerList.json().items).toEqual([
        expect.objectContaining({ id: c, name: 'Shared', membership: expect.objectContaining({ roles: ['viewer'], status: 'active' }) }),
      ]);

      const first = await get(t, '/v1/tenants?limit=1', me.accessToken);
      expect(first.statusCode).toBe(200);
      expect(first.json().items.map((i: TenantBody) => i.id)).toEqual([[a, b].sort()[0]]);
      expect(typeof first.json().next_cursor).toBe('string');
      const second = await get(t, `/v1/tenants?limit=1&cursor=${encodeURIComponent(first.json().next_cursor)}`, me.accessToken);
      expect(second.statusCode).toBe(200);
      expect(second.json().items.map((i: TenantBody) => i.id)).toEqual([[a, b].sort()[1]]);
      expect(second.json().next_cursor).toBeNull();
    });

    it('a suspended membership is listed with its status', async () => {
      const { t, db } = ctx;
      const owner = await signUp(t, db);
      const tenant = await createTenant(t, owner);
      const member = await addMember(t, db, tenant, owner, ['editor']);
      expect(
        (await patch(t, `/v1/tenants/${tenant}/members/${member.userId}`, { status: 'suspended' }, owner.accessToken)).statusCode,
      ).toBe(200);
      const res = await get(t, '/v1/tenants', member.accessToken);
      expect(res.json().items).toEqual([
        expect.objectContaining({ id: tenant, membership: expect.objectContaining({ status: 'suspended' }) }),
      ]);
    });

    it.each([
      ['a forged cursor (not a uuid)', Buffer.from(JSON.stringify({ l: 'my-tenants', k: ['nope'] })).toString('base64url')],
      [
        'a cursor of another list',
        Buffer.from(JSON.stringify({ l: 'tenants', k: ['0190a4d6-ffff-7000-8000-00000000000f'] })).toString('base64url'),
      ],
      ['garbage', '!!not-base64!!'],
      ['a cursor with the wrong arity', Buffer.from(JSON.stringify({ l: 'my-tenants', k: [] })).toString('base64url')],
    ])('%s → 400 KERNEL.INVALID_CURSOR', async (_label, cursor) => {
      const me = await signUp(ctx.t, ctx.db);
      const res = await get(ctx.t, `/v1/tenants?cursor=${encodeURIComponent(cursor)}`, me.accessToken);
      expectProblem(res, 400, 'KERNEL.INVALID_CURSOR');
      expect(res.json().errors).toEqual([expect.objectContaining({ path: 'cursor' })]);
    });

    it.each([
      ['limit=0', ['limit']],
      ['limit=abc', ['limit']],
      ['limit=1000', ['limit']],
      ['status=active', ['status']],
    ])('?%s → 400 KERNEL.VALIDATION_FAILED', async (query, paths) => {
      const me = await signUp(ctx.t, ctx.db);
      expectInvalid(await get(ctx.t, `/v1/tenants?${query}`, me.accessToken), paths);
    });

    it('anonymous → 401', async () => {
      expectProblem(await get(ctx.t, '/v1/tenants'), 401, 'AUTH.UNAUTHENTICATED');
    });
  });

  describe('GET / PATCH / DELETE /v1/tenants/{id}', () => {
    it('GET: members read it, non-members get 404 TENANCY.NOT_FOUND, a malformed id 400', async () => {
      const { t, db } = ctx;
      const owner = await signUp(t, db);
      const tenant = await createTenant(t, owner, 'Readable');
      const viewer = await addMember(t, db, tenant, owner, ['viewer']);
      const stranger = await signUp(t, db);
      const res = await get(t, `/v1/tenants/${tenant}`, viewer.accessToken);
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ id: tenant, name: 'Readable', status: 'active' });
      expectProblem(await get(t, `/v1/tenants/${tenant}`, stranger.accessToken), 404, 'TENANCY.NOT_FOUND');
      expectProblem(await get(t, `/v1/tenants/0190a4d6-ffff-7000-8000-00000000abcd`, owner.accessToken), 404, 'TENANCY.NOT_FOUND');
      expectInvalid(await get(t, `/v1/tenants/not-a-uuid`, owner.accessToken), ['tenant_id']);
      expectProblem(await get(t, `/v1/tenants/${tenant}`), 401, 'AUTH.UNAUTHENTICATED');
    });

    it('PATCH: rename and slug change emit tenant.updated with the changes; a no-op writes nothing', async () => {
      const { t, db } = ctx;
      const owner = await signUp(t, db);
      const tenant = await createTenant(t, owner, 'Old Name');
      const T = `/v1/tenants/${tenant}`;
      const oldSlug = (await tenantRow(tenant)).slug;

      const renamed = await patch(t, T, { name: '  New Name ' }, owner.accessToken);
      expect(renamed.statusCode).toBe(200);
      expect(renamed.json()).toMatchObject({ id: tenant, name: 'New Name', slug: oldSlug });
      expect(await tenantRow(tenant)).toMatchObject({ name: 'New Name', slug: oldSlug });
      let updates = await outbox(tenant, 'tenant.updated');
      expect(updates).toHaveLength(1);
      expect(updates[0].payload).toEqual({
        tenant_id: tenant,
        name: 'New Name',
        slug: oldSlug,
        changes: ['name'],
        updated_at: renamed.json().updated_at,
      });
      expect((await audit(tenant, 'tenant.updated'))[0]).toMatchObject({
        actor_id: owner.userId,
        data: { name: { from: 'Old Name', to: 'New Name' } },
      });

      const newSlug = uniqueSlug('renamed');
      const reslugged = await patch(t, T, { slug: newSlug }, owner.accessToken);
      expect(reslugged.statusCode).toBe(200);
      expect(reslugged.json()).toMatchObject({ name: 'New Name', slug: newSlug });
      updates = await outbox(tenant, 'tenant.updated');
      expect(updates).toHaveLength(2);
      expect(updates[1].payload).toMatchObject({ slug: newSlug, changes: ['slug'] });
      // The old slug is free again (the tenant is live and no longer holds it).
      expect((await create(owner, { name: 'Reuse', slug: oldSlug })).statusCode).toBe(201);

      const both = await patch(t, T, { name: 'Both', slug: `${newSlug}-x` }, owner.accessToken);
      expect(both.statusCode).toBe(200);
      expect((await outbox(tenant, 'tenant.updated'))[2].payload).toMatchObject({ changes: ['name', 'slug'] });

      // Same values again: 200 with the tenant, and no event, no audit entry, no timestamp change.
      const before = await snapshot();
      const noop = await patch(t, T, { name: 'Both', slug: `${newSlug}-x` }, owner.accessToken);
      expect(noop.statusCode).toBe(200);
      expect(noop.json()).toEqual(both.json());
      expect(await snapshot()).toEqual(before);
    });

    it('PATCH: an admin may, editors and viewers may not (403, nothing changed)', async () => {
      const { t, db } = ctx;
      const owner = await signUp(t, db);
      const tenant = await createTenant(t, owner, 'Managed');
      const admin = await addMember(t, db, tenant, owner, ['admin']);
      const editor = await addMember(t, db, tenant, owner, ['editor']);
      const viewer = await addMember(t, db, tenant, owner, ['viewer']);
      const T = `/v1/tenants/${tenant}`;
      const before = await snapshot();
      expectForbidden(await patch(t, T, { name: 'By editor' }, editor.accessToken), 'missing_permission');
      expectForbidden(await patch(t, T, { name: 'By viewer' }, viewer.accessToken), 'missing_permission');
      expect(await snapshot()).toEqual(before);
      const byAdmin = await patch(t, T, { name: 'By admin' }, admin.accessToken);
      expect(byAdmin.statusCode).toBe(200);
      expect(byAdmin.json().name).toBe('By admin');
    });

    it.each([
      ['an empty body', {}, ['name']],
      ['an empty name', { name: '' }, ['name']],
      ['a 201-character name', { name: 'n'.repeat(201) }, ['name']],
      ['an upper-case slug', { slug: 'NOPE' }, ['slug']],
      ['a 64-character slug', { slug: 'b'.repeat(64) }, ['slug']],
      ['an unknown field', { name: 'X', status: 'deleted' }, ['status']],
      ['a numeric slug', { slug: 7 }, ['slug']],
    ])('PATCH with %s → 400, nothing changed', async (_label, body, paths) => {
      const owner = await signUp(ctx.t, ctx.db);
      const tenant = await createTenant(ctx.t, owner, 'Unchanged');
      const before = await snapshot();
      expectInvalid(await patch(ctx.t, `/v1/tenants/${tenant}`, body, owner.accessToken), paths);
      expect(await snapshot()).toEqual(before);
    });

    it('PATCH to a taken slug → 409 TENANCY.SLUG_TAKEN, nothing changed', async () => {
      const owner = await signUp(ctx.t, ctx.db);
      const a = await createTenant(ctx.t, owner, 'A');
      const b = await createTenant(ctx.t, owner, 'B');
      const slugOfB = (await tenantRow(b)).slug;
      const before = await snapshot();
      const res = await patch(ctx.t, `/v1/tenants/${a}`, { name: 'A renamed', slug: slugOfB }, owner.accessToken);
      expectProblem(res, 409, 'TENANCY.SLUG_TAKEN');
      expect(res.json().errors).toEqual([expect.objectContaining({ path: 'slug' })]);
      expect(await snapshot()).toEqual(before);
      expect(await tenantRow(a)).toMatchObject({ name: 'A' });
    });

    it('DELETE: only the owner (admin → 403); afterwards 404 everywhere and not listed', async () => {
      const { t, db } = ctx;
      const owner = await signUp(t, db);
      const tenant = await createTenant(t, owner, 'Doomed');
      const keep = await createTenant(t, owner, 'Kept');
      const admin = await addMember(t, db, tenant, owner, ['admin']);
      const T = `/v1/tenants/${tenant}`;
      const tokenBefore = (await post(t, '/v1/auth/token', { tenant_id: tenant }, owner.accessToken)).json().access_token as string;

      const before = await snapshot();
      expectForbidden(await del(t, T, admin.accessToken), 'missing_permission');
      expect(await snapshot()).toEqual(before);
      expect((await tenantRow(tenant)).status).toBe('active');

      const res = await del(t, T, owner.accessToken);
      expect(res.statusCode).toBe(204);
      expect(res.body).toBe('');
      const row = await tenantRow(tenant);
      expect(row.status).toBe('deleted');
      expect(row.deleted_at).toBeInstanceOf(Date);
      expect(Math.abs(row.erase_after!.getTime() - (Date.now() + 30 * DAY))).toBeLessThan(60_000);
      // The memberships stay until erasure.
      expect(await db.query(`SELECT user_id FROM tenancy.memberships WHERE tenant_id = $1`, [tenant])).toHaveLength(2);

      const events = await outbox(tenant, 'tenant.deleted');
      expect(events).toHaveLength(1);
      expect(events[0].payload).toEqual({
        tenant_id: tenant,
        deleted_at: row.deleted_at!.toISOString(),
        erase_after: row.erase_after!.toISOString(),
      });
      expect((await audit(tenant, 'tenant.deleted'))[0]).toMatchObject({
        actor_id: owner.userId,
        data: { erase_after: row.erase_after!.toISOString() },
      });

      for (const [method, url, payload] of [
        ['GET', T],
        ['PATCH', T, { name: 'Zombie' }],
        ['DELETE', T],
        ['GET', `${T}/diagnostics`],
        ['GET', `${T}/members`],
        ['GET', `${T}/members/${owner.userId}`],
        ['GET', `${T}/invitations`],
        ['POST', `${T}/invitations`, { email: 'late@example.com' }],
        ['GET', `${T}/audit`],
        ['GET', `${T}/audit/export?format=ndjson`],
        ['GET', `${T}/roles`],
      ] as [string, string, object?][]) {
        for (const token of [owner.accessToken, admin.accessToken, tokenBefore]) {
          const r = await t.inject({ method: method as 'GET', url, payload, headers: { authorization: `Bearer ${token}` } });
          expect({ method, url, status: r.statusCode, code: r.json().code }).toEqual({
            method,
            url,
            status: 404,
            code: 'TENANCY.NOT_FOUND',
          });
        }
      }
      expectProblem(await post(t, '/v1/auth/token', { tenant_id: tenant }, owner.accessToken), 404, 'TENANCY.NOT_FOUND');
      const mine = await get(t, '/v1/tenants', owner.accessToken);
      expect(mine.json().items.map((i: TenantBody) => i.id)).toEqual([keep]);
      expect((await get(t, '/v1/tenants', admin.accessToken)).json().items).toEqual([]);
      const me = await get(t, '/v1/me', owner.accessToken);
      expect(me.json().memberships.map((m: { tenant_id: string }) => m.tenant_id)).toEqual([keep]);
      // The slug stays taken until erasure.
      expectProblem(await create(owner, { name: 'Squatter', slug: row.slug }), 409, 'TENANCY.SLUG_TAKEN');
      // Platform operators: 404 on the tenant routes too, but the admin route still shows it.
      const operator = await signUp(t, db);
      await makeOperator(db, operator);
      expectProblem(await get(t, T, operator.accessToken), 404, 'TENANCY.NOT_FOUND');
      expectProblem(await get(t, `${T}/members`, operator.accessToken), 404, 'TENANCY.NOT_FOUND');
      expect((await get(t, `/v1/admin/tenants/${tenant}`, operator.accessToken)).json()).toMatchObject({ id: tenant, status: 'deleted' });
    });
  });

  describe('platform tenant routes', () => {
    it('non-operators get 403 AUTHZ.FORBIDDEN on every /v1/admin/tenants route, and nothing changes', async () => {
      const { t, db } = ctx;
      const owner = await signUp(t, db);
      const tenant = await createTenant(t, owner);
      const before = await snapshot();
      for (const [method, url] of [
        ['GET', '/v1/admin/tenants'],
        ['GET', `/v1/admin/tenants/${tenant}`],
        ['POST', `/v1/admin/tenants/${tenant}/suspend`],
        ['POST', `/v1/admin/tenants/${tenant}/reactivate`],
      ]) {
        const r = await t.inject({
          method: method as 'GET',
          url,
          payload: method === 'POST' ? {} : undefined,
          headers: { authorization: `Bearer ${owner.accessToken}` },
        });
        expect({ url, status: r.statusCode, code: r.json().code, reason: r.json().reason }).toEqual({
          url,
          status: 403,
          code: 'AUTHZ.FORBIDDEN',
          reason: 'not_platform_operator',
        });
        expectProblem(await t.inject({ method: method as 'GET', url }), 401, 'AUTH.UNAUTHENTICATED');
      }
      expect(await snapshot()).toEqual(before);
      expect((await tenantRow(tenant)).status).toBe('active');
    });

    it('operators list every tenant, filter by status and slug prefix, page, and read deleted ones', async () => {
      const { t, db } = ctx;
      const operator = await signUp(t, db);
      await makeOperator(db, operator);
      const owner = await signUp(t, db);
      const prefix = `pfx${Date.now().toString(36)}`;
      const ids: string[] = [];
      for (const suffix of ['a', 'b', 'c']) {
        const r = await create(owner, { name: `P ${suffix}`, slug: `${prefix}-${suffix}` });
        expect(r.statusCode).toBe(201);
        ids.push(r.json().id);
      }
      const unrelated = await createTenant(t, owner, 'Unrelated');
      expect((await del(t, `/v1/tenants/${ids[2]}`, owner.accessToken)).statusCode).toBe(204);

      const all = await get(t, '/v1/admin/tenants?limit=100', operator.accessToken);
      expect(all.statusCode).toBe(200);
      const allIds = all.json().items.map((i: TenantBody) => i.id);
      expect(allIds).toEqual(expect.arrayContaining([...ids, unrelated]));
      const [{ n }] = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM tenancy.tenants`);
      expect(allIds.length).toBe(Math.min(n, 100));
      expect([...allIds].sort()).toEqual(allIds);

      const byPrefix = await get(t, `/v1/admin/tenants?query=${prefix}`, operator.accessToken);
      expect(byPrefix.json().items.map((i: TenantBody) => i.id)).toEqual(ids);
      const upper = await get(t, `/v1/admin/tenants?query=${prefix.toUpperCase()}`, operator.accessToken);
      expect(upper.json().items.map((i: TenantBody) => i.id)).toEqual(ids);
      // LIKE metacharacters are literal.
      expect((await get(t, `/v1/admin/tenants?query=%25`, operator.accessToken)).json().items).toEqual([]);
      expect((await get(t, `/v1/admin/tenants?query=${prefix.slice(0, 3)}_`, operator.accessToken)).json().items).toEqual([]);

      const deleted = await get(t, `/v1/admin/tenants?status=deleted&query=${prefix}`, operator.accessToken);
      expect(deleted.json().items.map((i: TenantBody) => i.id)).toEqual([ids[2]]);
      const active = await get(t, `/v1/admin/tenants?status=active&query=${prefix}`, operator.accessToken);
      expect(active.json().items.map((i: TenantBody) => i.id)).toEqual([ids[0], ids[1]]);
      const deletedAll = await get(t, `/v1/admin/tenants?status=deleted&limit=100`, operator.accessToken);
      for (const item of deletedAll.json().items) expect(item.status).toBe('deleted');

      const p1 = await get(t, `/v1/admin/tenants?query=${prefix}&limit=2`, operator.accessToken);
      expect(p1.json().items.map((i: TenantBody) => i.id)).toEqual([ids[0], ids[1]]);
      const p2 = await get(t, `/v1/admin/tenants?query=${prefix}&limit=2&cursor=${p1.json().next_cursor}`, operator.accessToken);
      expect(p2.json()).toEqual({ items: [expect.objectContaining({ id: ids[2] })], next_cursor: null });

      const one = await get(t, `/v1/admin/tenants/${ids[2]}`, operator.accessToken);
      expect(one.statusCode).toBe(200);
      expect(one.json()).toMatchObject({ id: ids[2], status: 'deleted', deleted_at: expect.any(String), erase_after: expect.any(String) });
      expectProblem(await get(t, `/v1/admin/tenants/0190a4d6-ffff-7000-8000-00000000dead`, operator.accessToken), 404, 'TENANCY.NOT_FOUND');
      expectInvalid(await get(t, `/v1/admin/tenants/xyz`, operator.accessToken), ['tenant_id']);

      expectInvalid(await get(t, `/v1/admin/tenants?status=archived`, operator.accessToken), ['status']);
      expectInvalid(await get(t, `/v1/admin/tenants?query=${'q'.repeat(64)}`, operator.accessToken), ['query']);
      expectInvalid(await get(t, `/v1/admin/tenants?unknown=1`, operator.accessToken), ['unknown']);
      const forged = Buffer.from(JSON.stringify({ l: 'tenants', k: ['x'] })).toString('base64url');
      expectProblem(await get(t, `/v1/admin/tenants?cursor=${forged}`, operator.accessToken), 400, 'KERNEL.INVALID_CURSOR');
    });

    it('suspend: members are refused (T routes, tokens, login); operators pass; reactivate restores', async () => {
      const { t, db } = ctx;
      const operator = await signUp(t, db);
      await makeOperator(db, operator);
      const owner = await signUp(t, db);
      const tenant = await createTenant(t, owner, 'Suspendable');
      const viewer = await addMember(t, db, tenant, owner, ['viewer']);
      const T = `/v1/tenants/${tenant}`;
      const ownerTenantToken = (await post(t, '/v1/auth/token', { tenant_id: tenant }, owner.accessToken)).json().access_token as string;

      const suspended = await post(t, `/v1/admin/tenants/${tenant}/suspend`, { reason: '  unpaid invoices ' }, operator.accessToken);
      expect(suspended.statusCode).toBe(200);
      expect(suspended.json()).toMatchObject({ id: tenant, status: 'suspended', suspended_at: expect.any(String), deleted_at: null });
      expect(await tenantRow(tenant)).toMatchObject({ status: 'suspended', suspended_at: expect.any(Date) });
      const events = await outbox(tenant, 'tenant.suspended');
      expect(events).toHaveLength(1);
      expect(events[0].payload).toEqual({ tenant_id: tenant, reason: 'unpaid invoices', suspended_at: suspended.json().updated_at });
      expect(await audit(tenant, 'tenant.suspended')).toEqual([
        expect.objectContaining({ actor_id: operator.userId, outcome: 'success', data: { reason: 'unpaid invoices' } }),
      ]);

      for (const token of [owner.accessToken, viewer.accessToken, ownerTenantToken]) {
        expectProblem(await get(t, T, token), 403, 'TENANCY.TENANT_SUSPENDED');
        expectProblem(await get(t, `${T}/members`, token), 403, 'TENANCY.TENANT_SUSPENDED');
      }
      expectProblem(await patch(t, T, { name: 'Nope' }, owner.accessToken), 403, 'TENANCY.TENANT_SUSPENDED');
      expectProblem(await del(t, T, owner.accessToken), 403, 'TENANCY.TENANT_SUSPENDED');
      expect((await tenantRow(tenant)).status).toBe('suspended');
      expectProblem(await post(t, '/v1/auth/token', { tenant_id: tenant }, owner.accessToken), 403, 'TENANCY.TENANT_SUSPENDED');
      const sessionsBefore = await sessions(owner.userId);
      expectProblem(await login(owner, tenant), 403, 'TENANCY.TENANT_SUSPENDED');
      expect(await sessions(owner.userId)).toBe(sessionsBefore);
      // Still listed for its members, with its status.
      expect((await get(t, '/v1/tenants', owner.accessToken)).json().items).toEqual([
        expect.objectContaining({ id: tenant, status: 'suspended' }),
      ]);
      // A platform operator still acts in it.
      expect((await get(t, T, operator.accessToken)).statusCode).toBe(200);
      expect((await get(t, `${T}/members`, operator.accessToken)).statusCode).toBe(200);

      // Suspending again: 200, nothing new.
      const before = await snapshot();
      const again = await post(t, `/v1/admin/tenants/${tenant}/suspend`, {}, operator.accessToken);
      expect(again.statusCode).toBe(200);
      expect(again.json()).toEqual(suspended.json());
      expect(await snapshot()).toEqual(before);

      const reactivated = await post(t, `/v1/admin/tenants/${tenant}/reactivate`, {}, operator.accessToken);
      expect(reactivated.statusCode).toBe(200);
      expect(reactivated.json()).toMatchObject({ id: tenant, status: 'active', suspended_at: null });
      const re = await outbox(tenant, 'tenant.reactivated');
      expect(re).toHaveLength(1);
      expect(re[0].payload).toEqual({ tenant_id: tenant, reactivated_at: reactivated.json().updated_at });
      expect(await audit(tenant, 'tenant.reactivated')).toEqual([
        expect.objectContaining({ actor_id: operator.userId, data: { reason: null } }),
      ]);
      expect((await get(t, T, owner.accessToken)).statusCode).toBe(200);
      expect((await get(t, T, viewer.accessToken)).statusCode).toBe(200);
      expect((await get(t, T, ownerTenantToken)).statusCode).toBe(200);
      expect((await post(t, '/v1/auth/token', { tenant_id: tenant }, owner.accessToken)).statusCode).toBe(200);
      expect((await login(owner, tenant)).statusCode).toBe(200);

      // Reactivating an active tenant is a no-op as well (same as suspending a suspended one).
      const before2 = await snapshot();
      const noop = await post(t, `/v1/admin/tenants/${tenant}/reactivate`, {}, operator.accessToken);
      expect(noop.statusCode).toBe(200);
      expect(noop.json()).toEqual(reactivated.json());
      expect(await snapshot()).toEqual(before2);
    });

    it('suspend / reactivate: deleted or unknown tenants → 404; bad input → 400; nothing changes', async () => {
      const { t, db } = ctx;
      const operator = await signUp(t, db);
      await makeOperator(db, operator);
      const owner = await signUp(t, db);
      const gone = await createTenant(t, owner, 'Gone');
      expect((await del(t, `/v1/tenants/${gone}`, owner.accessToken)).statusCode).toBe(204);
      const live = await createTenant(t, owner, 'Live');
      const before = await snapshot();
      expectProblem(await post(t, `/v1/admin/tenants/${gone}/suspend`, {}, operator.accessToken), 404, 'TENANCY.NOT_FOUND');
      expectProblem(await post(t, `/v1/admin/tenants/${gone}/reactivate`, {}, operator.accessToken), 404, 'TENANCY.NOT_FOUND');
      expectProblem(
        await post(t, `/v1/admin/tenants/0190a4d6-ffff-7000-8000-00000000beef/suspend`, {}, operator.accessToken),
        404,
        'TENANCY.NOT_FOUND',
      );
      expectInvalid(await post(t, `/v1/admin/tenants/${live}/suspend`, { reason: '   ' }, operator.accessToken), ['reason']);
      expectInvalid(await post(t, `/v1/admin/tenants/${live}/suspend`, { reason: 'r'.repeat(501) }, operator.accessToken), ['reason']);
      expectInvalid(await post(t, `/v1/admin/tenants/${live}/suspend`, { reason: 5 }, operator.accessToken), ['reason']);
      expectInvalid(await post(t, `/v1/admin/tenants/${live}/suspend`, { why: 'x' }, operator.accessToken), ['why']);
      expectInvalid(await post(t, `/v1/admin/tenants/not-a-uuid/suspend`, {}, operator.accessToken), ['tenant_id']);
      expect(await snapshot()).toEqual(before);
      expect((await tenantRow(gone)).status).toBe('deleted');
      expect((await tenantRow(live)).status).toBe('active');
    });
  });

  describe('erasure of deleted tenants', () => {
    it('erases deleted tenants past their retention (tenant.erased), keeps the others, frees the slug', async () => {
      const { t, db } = ctx;
      const owner = await signUp(t, db);
      const due = await createTenant(t, owner, 'Due');
      const notDue = await createTenant(t, owner, 'Not due');
      const live = await createTenant(t, owner, 'Live');
      await addMember(t, db, due, owner, ['editor']);
      expect(
        (await post(t, `/v1/tenants/${due}/invitations`, { email: `pending.${Date.now()}@example.com` }, owner.accessToken)).statusCode,
      ).toBe(201);
      // A live tenant with erase_after in the past would be a bug elsewhere; a suspended one must never be erased.
      const dueSlug = (await tenantRow(due)).slug;
      for (const id of [due, notDue]) expect((await del(t, `/v1/tenants/${id}`, owner.accessToken)).statusCode).toBe(204);
      await db.query(`UPDATE tenancy.tenants SET erase_after = now() - interval '1 second' WHERE tenant_id = $1`, [due]);
      expect(await db.query(`SELECT count(*)::int AS n FROM tenancy.memberships WHERE tenant_id = $1`, [due])).toEqual([{ n: 2 }]);
      expect(await db.query(`SELECT count(*)::int AS n FROM tenancy.invitations WHERE tenant_id = $1`, [due])).toEqual([{ n: 2 }]);

      const erased = await t.get(TenancyHousekeeping).eraseExpired();
      expect(erased).toEqual([due]);
      for (const table of ['tenancy.tenants', 'tenancy.memberships', 'tenancy.invitations']) {
        expect(await db.query(`SELECT count(*)::int AS n FROM ${table} WHERE tenant_id = $1`, [due])).toEqual([{ n: 0 }]);
      }
      const events = await outbox(due, 'tenant.erased');
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({
        aggregate_type: 'tenant',
        aggregate_id: due,
        payload: { tenant_id: due, erased_at: expect.any(String) },
      });
      // The audit trail stays.
      expect((await audit(due)).length).toBeGreaterThan(0);

      expect(await tenantRow(notDue)).toMatchObject({ status: 'deleted' });
      expect(await tenantRow(live)).toMatchObject({ status: 'active' });
      expect(await db.query(`SELECT count(*)::int AS n FROM tenancy.memberships WHERE tenant_id = $1`, [notDue])).toEqual([{ n: 1 }]);
      expect(await outbox(notDue, 'tenant.erased')).toEqual([]);

      // A second run finds nothing.
      expect(await t.get(TenancyHousekeeping).eraseExpired()).toEqual([]);

      // The slug is free again.
      const reuse = await create(owner, { name: 'Reborn', slug: dueSlug });
      expect(reuse.statusCode).toBe(201);
      expect(reuse.json().id).not.toBe(due);
      // And the erased tenant is gone for operators too.
      const operator = await signUp(t, db);
      await makeOperator(db, operator);
      expectProblem(await get(t, `/v1/admin/tenants/${due}`, operator.accessToken), 404, 'TENANCY.NOT_FOUND');
    });
  });

  describe('erasure of what other modules hold', () => {
    it('the custom roles of an erased tenant are erased as well (tenant.erased)', async () => {
      const { t, db } = ctx;
      const owner = await signUp(t, db);
      const tenant = await createTenant(t, owner, 'Roles to erase');
      const role = await post(
        t,
        `/v1/tenants/${tenant}/roles`,
        { key: 'auditor', name: 'Auditor', permissions: ['audit:read'] },
        owner.accessToken,
      );
      expect(role.statusCode).toBe(201);
      expect(await db.query(`SELECT key FROM access.roles WHERE tenant_id = $1`, [tenant])).toEqual([{ key: 'auditor' }]);
      expect((await del(t, `/v1/tenants/${tenant}`, owner.accessToken)).statusCode).toBe(204);
      await db.query(`UPDATE tenancy.tenants SET erase_after = now() - interval '1 second' WHERE tenant_id = $1`, [tenant]);
      expect(await t.get(TenancyHousekeeping).eraseExpired()).toEqual([tenant]);
      await eventually(async () => (await outbox(tenant, 'tenant.erased')).length === 1, 5_000, 'tenant.erased');
      // The tenant's data held by the access module must not outlive the tenant.
      const rolesOf = () => db.query(`SELECT key FROM access.roles WHERE tenant_id = $1`, [tenant]);
      await eventually(async () => (await rolesOf()).length === 0, 5_000, 'access.roles of the erased tenant').catch(() => undefined);
      expect(await rolesOf()).toEqual([]);
    });
  });

  describe('GET /v1/tenants/{id}/diagnostics', () => {
    it('ok for a fresh tenant; warns on expired invitations and unused custom roles; fails without an owner; status = worst', async () => {
      const { t, db } = ctx;
      const owner = await signUp(t, db);
      const tenant = await createTenant(t, owner, 'Diagnosed');
      await waitForSubscription(db, tenant); // the tenant's trial, which the subscription check reports
      const D = `/v1/tenants/${tenant}/diagnostics`;
      const keys = ['owners', 'members', 'role_bindings', 'unused_custom_roles', 'invitations', 'audit_chain', 'subscription'];
      type Check = { key: string; status: string; message: string; details: Record<string, unknown> };
      const check = (body: { checks: Check[] }, key: string) => body.checks.find((c) => c.key === key)!;

      const fresh = await get(t, D, owner.accessToken);
      expect(fresh.statusCode).toBe(200);
      const body = fresh.json<{ tenant_id: string; generated_at: string; status: string; checks: Check[] }>();
      expect(body).toMatchObject({ tenant_id: tenant, status: 'ok' });
      expect(Math.abs(Date.parse(body.generated_at) - Date.now())).toBeLessThan(60_000);
      expect(body.checks.map((c) => c.key)).toEqual(keys);
      for (const c of body.checks) expect(c).toMatchObject({ status: 'ok', message: expect.any(String), details: expect.any(Object) });
      expect(check(body, 'owners').details).toEqual({ active_owners: 1 });
      expect(check(body, 'invitations').details).toEqual({ pending: 0, expired: 0 });
      expect(check(body, 'members').details).toEqual({ active: 1, suspended: 0, invited: 0 });
      expect(check(body, 'subscription')).toMatchObject({
        status: 'ok',
        details: { status: 'trialing', plan: 'pro', cancel_at_period_end: false, seats: { limit: 25, used: 1 }, open_charges: 0 },
      });

      // Access: admin yes; editor and viewer no.
      const admin = await addMember(t, db, tenant, owner, ['admin']);
      const editor = await addMember(t, db, tenant, owner, ['editor']);
      const viewer = await addMember(t, db, tenant, owner, ['viewer']);
      expect((await get(t, D, admin.accessToken)).statusCode).toBe(200);
      expectForbidden(await get(t, D, viewer.accessToken), 'missing_permission');
      expectForbidden(await get(t, D, editor.accessToken), 'missing_permission');
      expectProblem(await get(t, D, (await signUp(t, db)).accessToken), 404, 'TENANCY.NOT_FOUND');

      // An invitation that expired unanswered → invitations warn.
      const invited = `expired.${Date.now()}@example.com`;
      const inv = await post(t, `/v1/tenants/${tenant}/invitations`, { email: invited }, owner.accessToken);
      expect(inv.statusCode).toBe(201);
      let diag = (await get(t, D, owner.accessToken)).json();
      expect(check(diag, 'invitations')).toMatchObject({ status: 'ok', details: { pending: 1, expired: 0 } });
      await db.query(`UPDATE tenancy.invitations SET expires_at = now() - interval '1 minute' WHERE id = $1`, [inv.json().id]);
      diag = (await get(t, D, owner.accessToken)).json();
      expect(check(diag, 'invitations')).toMatchObject({ status: 'warn', details: { pending: 0, expired: 1 } });
      expect(diag.status).toBe('warn');
      expect(check(diag, 'owners').status).toBe('ok');

      // A custom role nobody holds → unused_custom_roles warn.
      const role = await post(
        t,
        `/v1/tenants/${tenant}/roles`,
        { key: 'auditor', name: 'Auditor', permissions: ['audit:read'] },
        owner.accessToken,
      );
      expect(role.statusCode).toBe(201);
      diag = (await get(t, D, owner.accessToken)).json();
      expect(check(diag, 'unused_custom_roles')).toMatchObject({ status: 'warn', details: { roles: ['auditor'] } });
      expect(diag.status).toBe('warn');
      // Once someone holds it, it is no longer flagged.
      const auditor = await addMember(t, db, tenant, owner, ['auditor']);
      diag = (await get(t, D, owner.accessToken)).json();
      expect(check(diag, 'unused_custom_roles')).toMatchObject({ status: 'ok', details: { roles: [] } });
      expect(check(diag, 'members').details).toMatchObject({ active: 5, suspended: 0 });
      expect(auditor.userId).toBeTruthy();

      // No active owner (forced in the database: the API never allows it) → owners fail, overall fail.
      await db.query(`UPDATE tenancy.memberships SET roles = '{admin}' WHERE tenant_id = $1 AND user_id = $2`, [tenant, owner.userId]);
      diag = (await get(t, D, admin.accessToken)).json();
      expect(check(diag, 'owners')).toMatchObject({ status: 'fail', details: { active_owners: 0 } });
      expect(check(diag, 'invitations').status).toBe('warn');
      expect(diag.status).toBe('fail');

      // Without a current subscription (canceled at once) → subscription warns.
      await db.query(`UPDATE tenancy.memberships SET roles = '{owner}' WHERE tenant_id = $1 AND user_id = $2`, [tenant, owner.userId]);
      expect((await post(t, `/v1/tenants/${tenant}/subscription/cancel`, { at_period_end: false }, owner.accessToken)).statusCode).toBe(
        200,
      );
      diag = (await get(t, D, owner.accessToken)).json();
      expect(check(diag, 'subscription')).toMatchObject({ status: 'warn', details: { status: null } });
    });
  });

  describe('diagnostics: audit chain', () => {
    it('audit_chain ok once sealed; tampering with a sealed entry → fail', async () => {
      const { t, db } = ctx;
      const owner = await signUp(t, db);
      const tenant = await createTenant(t, owner, 'Chained');
      await waitForSubscription(db, tenant);
      await addMember(t, db, tenant, owner, ['viewer']);
      await t.get(AuditLog).sealPending();
      const D = `/v1/tenants/${tenant}/diagnostics`;
      let diag = (await get(t, D, owner.accessToken)).json();
      const sealed = (
        await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM kernel.audit_log WHERE chain_id = $1 AND seq IS NOT NULL`, [tenant])
      )[0].n;
      expect(sealed).toBeGreaterThanOrEqual(3);
      expect(diag.checks[5]).toMatchObject({ key: 'audit_chain', status: 'ok', details: { sealed, unsealed: expect.any(Number) } });
      expect(diag.status).toBe('ok');
      // The listed entries now carry their place in the chain.
      const listed = (await get(t, `/v1/tenants/${tenant}/audit?action=tenant.created`, owner.accessToken)).json().items;
      expect(listed).toEqual([expect.objectContaining({ action: 'tenant.created', seq: 1 })]);
      await db.query(
        `SET session_replication_role = replica; UPDATE kernel.audit_log SET data = '{"forged":true}' WHERE chain_id = '${tenant}' AND seq = 2`,
      );
      diag = (await get(t, D, owner.accessToken)).json();
      expect(diag.checks[5]).toMatchObject({ key: 'audit_chain', status: 'fail' });
      expect(diag.status).toBe('fail');
    });
  });

  describe('audit trail', () => {
    type Entry = { id: string; action: string; actor_id: string | null; occurred_at: string; data: Record<string, unknown> };

    async function setUp() {
      const { t, db } = ctx;
      const owner = await signUp(t, db);
      const tenant = await createTenant(t, owner, 'Audited');
      const admin = await addMember(t, db, tenant, owner, ['admin']);
      const editor = await addMember(t, db, tenant, owner, ['editor']);
      // The editor invites someone: an entry by the editor.
      expect(
        (await post(t, `/v1/tenants/${tenant}/invitations`, { email: `by-editor.${Date.now()}@example.com` }, editor.accessToken))
          .statusCode,
      ).toBe(201);
      // Another tenant, with entries of its own (and the same owner).
      const other = await createTenant(t, owner, 'Elsewhere');
      await addMember(t, db, other, owner, ['viewer']);
      return { owner, admin, editor, tenant, other, A: `/v1/tenants/${tenant}/audit` };
    }

    const listAll = async (url: string, token: string) => {
      const res = await get(ctx.t, url, token);
      expect(res.statusCode).toBe(200);
      return res.json<{ items: Entry[]; next_cursor: string | null }>();
    };

    it('lists the tenant entries newest first, never another tenant', async () => {
      const { owner, admin, tenant, other, A } = await setUp();
      const page = await listAll(`${A}?limit=100`, admin.accessToken);
      const dbRows = await audit(tenant);
      expect(page.next_cursor).toBeNull();
      expect(page.items.map((e) => e.id)).toEqual(dbRows.map((r) => r.id).reverse());
      const times = page.items.map((e) => Date.parse(e.occurred_at));
      expect([...times].sort((x, y) => y - x)).toEqual(times);
      const otherIds = new Set((await audit(other)).map((r) => r.id));
      expect(otherIds.size).toBeGreaterThan(0);
      expect(page.items.filter((e) => otherIds.has(e.id))).toEqual([]);
      expect(page.items[page.items.length - 1]).toMatchObject({ action: 'tenant.created', actor_id: owner.userId, actor_type: 'user' });
      expect(Object.keys(page.items[0]).sort()).toEqual(
        [
          'action',
          'actor_id',
          'actor_type',
          'data',
          'id',
          'ip',
          'occurred_at',
          'outcome',
          'request_id',
          'resource_id',
          'resource_type',
          'seq',
          'user_agent',
        ].sort(),
      );
      // The other tenant's trail, read by its owner, has none of this one's.
      const otherPage = await listAll(`/v1/tenants/${other}/audit?limit=100`, owner.accessToken);
      const mine = new Set(dbRows.map((r) => r.id));
      expect(otherPage.items.length).toBe(otherIds.size);
      expect(otherPage.items.filter((e) => mine.has(e.id))).toEqual([]);
    });

    it('filters by actor, exact action, action prefix and time window', async () => {
      const { owner, editor, tenant, A } = await setUp();
      const dbRows = await audit(tenant);

      const byEditor = await listAll(`${A}?actor_id=${editor.userId}&limit=100`, owner.accessToken);
      expect(byEditor.items.map((e) => e.id)).toEqual(
        dbRows
          .filter((r) => r.actor_id === editor.userId)
          .map((r) => r.id)
          .reverse(),
      );
      expect(byEditor.items.map((e) => e.action)).toContain('invitation.created');
      // Upper-case uuid is the same actor.
      expect((await listAll(`${A}?actor_id=${editor.userId.toUpperCase()}&limit=100`, owner.accessToken)).items).toEqual(byEditor.items);
      expect((await listAll(`${A}?actor_id=0190a4d6-ffff-7000-8000-000000000001`, owner.accessToken)).items).toEqual([]);

      const created = await listAll(`${A}?action=tenant.created`, owner.accessToken);
      expect(created.items.map((e) => e.action)).toEqual(['tenant.created']);
      // An exact action does not match as a prefix.
      expect((await listAll(`${A}?action=tenant`, owner.accessToken)).items).toEqual([]);

      const memberships = await listAll(`${A}?action=membership.*&limit=100`, owner.accessToken);
      const expected = dbRows
        .filter((r) => r.action.startsWith('membership.'))
        .map((r) => r.id)
        .reverse();
      expect(expected.length).toBeGreaterThanOrEqual(3);
      expect(memberships.items.map((e) => e.id)).toEqual(expected);
      const invitations = await listAll(`${A}?action=invitation.*&limit=100`, owner.accessToken);
      expect(invitations.items.length).toBeGreaterThan(0);
      for (const e of invitations.items) expect(e.action).toMatch(/^invitation\./);

      // from is inclusive, to exclusive; split at the middle entry. Times travel as ISO strings
      // (milliseconds) while the database keeps microseconds: the expectation is computed there.
      const mid = dbRows[Math.floor(dbRows.length / 2)];
      const at = mid.occurred_at.toISOString();
      const from = await listAll(`${A}?from=${encodeURIComponent(at)}&limit=100`, owner.accessToken);
      const to = await listAll(`${A}?to=${encodeURIComponent(at)}&limit=100`, owner.accessToken);
      const idsWhere = async (cond: string) =>
        (
          await ctx.db.query<{ id: string }>(`SELECT id FROM kernel.audit_log WHERE chain_id = $1 AND ${cond} ORDER BY id DESC`, [
            tenant,
            at,
          ])
        ).map((r) => r.id);
      expect(from.items.map((e) => e.id)).toEqual(await idsWhere('occurred_at >= $2::timestamptz'));
      expect(to.items.map((e) => e.id)).toEqual(await idsWhere('occurred_at < $2::timestamptz'));
      expect(to.items.length).toBeGreaterThan(0);
      expect(from.items.map((e) => e.id)).toContain(mid.id);
      expect(to.items.map((e) => e.id)).not.toContain(mid.id);
      expect(from.items.length + to.items.length).toBe(dbRows.length);
      const future = new Date(Date.now() + DAY).toISOString();
      expect((await listAll(`${A}?from=${encodeURIComponent(future)}`, owner.accessToken)).items).toEqual([]);
      // Combined filters.
      const combined = await listAll(`${A}?actor_id=${owner.userId}&action=tenant.*&to=${encodeURIComponent(future)}`, owner.accessToken);
      expect(combined.items.map((e) => e.action)).toEqual(['tenant.created']);
    });

    it('pages with limit and cursor, without gaps or repeats', async () => {
      const { owner, tenant, A } = await setUp();
      const dbIds = (await audit(tenant)).map((r) => r.id).reverse();
      expect(dbIds.length).toBeGreaterThan(4);
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const page = await listAll(`${A}?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, owner.accessToken);
        expect(page.items.length).toBeLessThanOrEqual(2);
        seen.push(...page.items.map((e) => e.id));
        cursor = page.next_cursor;
        pages++;
      } while (cursor && pages < 50);
      expect(seen).toEqual(dbIds);
      expect(pages).toBe(Math.ceil(dbIds.length / 2));
    });

    it.each([
      ['actor_id=not-a-uuid', 'actor_id'],
      ['action=Tenant.Created', 'action'],
      ['action=membership*', 'action'],
      ['action=*', 'action'],
      ['action=membership.*.*', 'action'],
      ['from=yesterday', 'from'],
      ['to=2024-13-01T00:00:00Z', 'to'],
      ['limit=0', 'limit'],
      ['limit=101', 'limit'],
      ['unknown=1', 'unknown'],
    ])('?%s → 400 KERNEL.VALIDATION_FAILED', async (query, path) => {
      const owner = await signUp(ctx.t, ctx.db);
      const tenant = await createTenant(ctx.t, owner);
      expectInvalid(await get(ctx.t, `/v1/tenants/${tenant}/audit?${query}`, owner.accessToken), [path]);
    });

    it('a forged cursor → 400 KERNEL.INVALID_CURSOR', async () => {
      const owner = await signUp(ctx.t, ctx.db);
      const tenant = await createTenant(ctx.t, owner);
      for (const cursor of [
        Buffer.from(JSON.stringify({ l: 'audit', k: ['x'] })).toString('base64url'),
        Buffer.from(JSON.stringify({ l: 'my-tenants', k: [tenant] })).toString('base64url'),
      ]) {
        expectProblem(await get(ctx.t, `/v1/tenants/${tenant}/audit?cursor=${cursor}`, owner.accessToken), 400, 'KERNEL.INVALID_CURSOR');
      }
    });

    it('editors, viewers and strangers cannot read or export it', async () => {
      const { t, db } = ctx;
      const { owner, editor, tenant, A } = await setUp();
      const viewer = await addMember(t, db, tenant, owner, ['viewer']);
      const stranger = await signUp(t, db);
      for (const url of [A, `${A}/export?format=ndjson`, `${A}/export?format=csv`]) {
        expectForbidden(await get(t, url, editor.accessToken), 'missing_permission');
        expectForbidden(await get(t, url, viewer.accessToken), 'missing_permission');
        expectProblem(await get(t, url, stranger.accessToken), 404, 'TENANCY.NOT_FOUND');
        expectProblem(await get(t, url), 401, 'AUTH.UNAUTHENTICATED');
      }
      // The refusals are in the tenant's trail (members) — the stranger's in the platform chain.
      const denied = await audit(tenant, 'authz.denied');
      expect(denied.filter((d) => d.actor_id === editor.userId)).toHaveLength(3);
      expect(denied.filter((d) => d.actor_id === stranger.userId)).toHaveLength(0);
    });

    it('exports NDJSON: one JSON object per line, every entry once', async () => {
      const { owner, tenant, other, A } = await setUp();
      const res = await get(ctx.t, `${A}/export?format=ndjson`, owner.accessToken);
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toMatch(/^application\/x-ndjson/);
      expect(res.headers['content-disposition']).toMatch(new RegExp(`^attachment; filename="audit-${tenant}-.+\\.ndjson"$`));
      expect(res.body.endsWith('\n')).toBe(true);
      const lines = res.body.split('\n').slice(0, -1);
      const entries = lines.map((l) => JSON.parse(l) as Entry);
      const dbRows = await audit(tenant);
      expect(entries.length).toBe(dbRows.length);
      expect(entries.map((e) => e.id)).toEqual(dbRows.map((r) => r.id).reverse());
      for (const e of entries) expect(e).toMatchObject({ id: expect.any(String), action: expect.any(String), data: expect.any(Object) });
      const otherIds = new Set((await audit(other)).map((r) => r.id));
      expect(entries.filter((e) => otherIds.has(e.id))).toEqual([]);
      // Filters apply to the export too.
      const filtered = await get(ctx.t, `${A}/export?format=ndjson&action=membership.*`, owner.accessToken);
      const fl = filtered.body
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Entry);
      expect(fl.length).toBe(dbRows.filter((r) => r.action.startsWith('membership.')).length);
      for (const e of fl) expect(e.action).toMatch(/^membership\./);
    });

    it('exports more than one page (over 100 entries) completely', async () => {
      const { t, db } = ctx;
      const owner = await signUp(t, db);
      const tenant = await createTenant(t, owner, 'Busy');
      for (let i = 0; i < 55; i++) {
        expect((await patch(t, `/v1/tenants/${tenant}`, { name: `Busy ${i}` }, owner.accessToken)).statusCode).toBe(200);
        expect((await patch(t, `/v1/tenants/${tenant}`, { name: `Busier ${i}` }, owner.accessToken)).statusCode).toBe(200);
      }
      const dbRows = await audit(tenant);
      expect(dbRows.length).toBeGreaterThan(100);
      const nd = await get(t, `/v1/tenants/${tenant}/audit/export?format=ndjson`, owner.accessToken);
      const ids = nd.body
        .split('\n')
        .filter(Boolean)
        .map((l) => (JSON.parse(l) as Entry).id);
      expect(ids).toEqual(dbRows.map((r) => r.id).reverse());
      const csv = await get(t, `/v1/tenants/${tenant}/audit/export?format=csv`, owner.accessToken);
      expect(parseCsv(csv.body).length).toBe(dbRows.length + 1);
    });

    it('exports CSV: a header, RFC 4180 quoting, formula-looking values neutralised', async () => {
      const { t } = ctx;
      const { owner, tenant, A } = await setUp();
      const patchWithAgent = (name: string, agent: string) =>
        t.inject({
          method: 'PATCH',
          url: `/v1/tenants/${tenant}`,
          payload: { name },
          headers: { authorization: `Bearer ${owner.accessToken}`, 'user-agent': agent },
        });
      expect((await patchWithAgent('Say "hi", world', '=HYPERLINK("http://evil.example","x")')).statusCode).toBe(200);
      expect((await patchWithAgent('Plain', '+1+2')).statusCode).toBe(200);
      expect((await patchWithAgent('At', '@SUM(A1)')).statusCode).toBe(200);
      expect((await patchWithAgent('Minus', '-2+3')).statusCode).toBe(200);
      expect((await patchWithAgent('Safe', 'curl/8.0 (x, y)')).statusCode).toBe(200);

      const res = await get(t, `${A}/export?format=csv`, owner.accessToken);
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/csv/);
      expect(res.headers['content-disposition']).toMatch(new RegExp(`^attachment; filename="audit-${tenant}-.+\\.csv"$`));
      const records = parseCsv(res.body);
      const header = records[0];
      expect(header).toEqual([
        'id',
        'seq',
        'occurred_at',
        'actor_type',
        'actor_id',
        'action',
        'outcome',
        'resource_type',
        'resource_id',
        'request_id',
        'ip',
        'user_agent',
        'data',
      ]);
      expect(res.body.startsWith(`${header.join(',')}\r\n`)).toBe(true);
      const rows = records.slice(1).map((r) => Object.fromEntries(header.map((h, i) => [h, r[i]])));
      for (const r of records) expect(r).toHaveLength(header.length);
      const dbRows = await audit(tenant);
      expect(rows.map((r) => r.id)).toEqual(dbRows.map((r) => r.id).reverse());

      const updates = rows.filter((r) => r.action === 'tenant.updated');
      expect(updates.map((r) => r.user_agent)).toEqual([
        'curl/8.0 (x, y)',
        `'-2+3`,
        `'@SUM(A1)`,
        `'+1+2`,
        `'=HYPERLINK("http://evil.example","x")`,
      ]);
      // On the wire: quotes doubled inside a quoted field, the neutralising quote inside it.
      expect(res.body).toContain(`,"'=HYPERLINK(""http://evil.example"",""x"")",`);
      expect(res.body).toContain(`,"'+1+2",`);
      expect(res.body).toContain(`,"curl/8.0 (x, y)",`);
      // The data column is JSON (quoted, with its quotes doubled).
      const hi = updates.find((r) => r.user_agent.startsWith(`'=HYPERLINK`))!;
      expect(JSON.parse(hi.data)).toEqual({ name: { from: 'Audited', to: 'Say "hi", world' } });
      // Null columns are empty fields.
      expect(rows[0].seq).toBe('');
      // The database keeps the original user agent; only the export neutralises it.
      expect(dbRows.filter((r) => r.action === 'tenant.updated').map((r) => r.user_agent)).toContain(
        '=HYPERLINK("http://evil.example","x")',
      );
    });

    it.each([
      ['', 'format'],
      ['format=xml', 'format'],
      ['format=CSV', 'format'],
      ['format=csv&action=Bad', 'action'],
      ['format=csv&from=never', 'from'],
      ['format=ndjson&cursor=abc', 'cursor'],
    ])('export ?%s → 400 KERNEL.VALIDATION_FAILED', async (query, path) => {
      const owner = await signUp(ctx.t, ctx.db);
      const tenant = await createTenant(ctx.t, owner);
      expectInvalid(await get(ctx.t, `/v1/tenants/${tenant}/audit/export?${query}`, owner.accessToken), [path]);
    });
  });

  describe('account integration', () => {
    it('/v1/me lists my memberships', async () => {
      const { t, db } = ctx;
      const owner = await signUp(t, db);
      const a = await createTenant(t, owner, 'Alpha');
      const bOwner = await signUp(t, db);
      const b = await createTenant(t, bOwner, 'Beta');
      await db.query(
        `INSERT INTO tenancy.memberships (tenant_id, user_id, email, status, roles) VALUES ($1, $2, $3, 'active', '{editor}')`,
        [b, owner.userId, owner.email.toLowerCase()],
      );
      const me = await get(t, '/v1/me', owner.accessToken);
      expect(me.statusCode).toBe(200);
      const slugA = (await tenantRow(a)).slug;
      const slugB = (await tenantRow(b)).slug;
      expect(me.json().memberships).toEqual([
        {
          tenant_id: a,
          tenant_name: 'Alpha',
          tenant_slug: slugA,
          tenant_status: 'active',
          status: 'active',
          roles: ['owner'],
          joined_at: expect.any(String),
        },
        {
          tenant_id: b,
          tenant_name: 'Beta',
          tenant_slug: slugB,
          tenant_status: 'active',
          status: 'active',
          roles: ['editor'],
          joined_at: expect.any(String),
        },
      ]);
      const fresh = await signUp(t, db);
      expect((await get(t, '/v1/me', fresh.accessToken)).json().memberships).toEqual([]);
    });

    it('login with tenant_id returns a tenant-scoped token; a tenant I am not in → 404 and no session', async () => {
      const { t, db } = ctx;
      const owner = await signUp(t, db);
      const tenant = await createTenant(t, owner, 'Scoped');
      const viewer = await addMember(t, db, tenant, owner, ['viewer']);
      const stranger = await signUp(t, db);
      const elsewhere = await createTenant(t, stranger, 'Elsewhere');
      await waitForSubscription(db, tenant); // the tenant's trial, whose plan the token names

      const res = await login(owner, tenant);
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ access_token: expect.any(String), refresh_token: expect.any(String), user: { id: owner.userId } });
      const claims = claimsOf(res.json().access_token);
      expect(claims).toMatchObject({ sub: owner.userId, tid: tenant, roles: ['owner'], plan: 'pro' });
      expect([...(claims.scp as string[])].sort()).toEqual(ALL_TENANT_PERMISSIONS);
      expect((await get(t, `/v1/tenants/${tenant}`, res.json().access_token)).statusCode).toBe(200);
      // The token is for this tenant only.
      expectProblem(await get(t, `/v1/tenants/${elsewhere}`, res.json().access_token), 404, 'TENANCY.NOT_FOUND');

      const viewerLogin = await login(viewer, tenant);
      expect(viewerLogin.statusCode).toBe(200);
      const vc = claimsOf(viewerLogin.json().access_token);
      expect(vc).toMatchObject({ tid: tenant, roles: ['viewer'], plan: 'pro' });
      expect([...(vc.scp as string[])].sort()).toEqual(['members:read', 'roles:read', 'tenants:read']);

      // Without tenant_id: no tenant claims.
      const plain = claimsOf((await login(owner)).json().access_token);
      expect(plain.tid).toBeUndefined();

      for (const target of [elsewhere, '0190a4d6-ffff-7000-8000-0000000000aa']) {
        const before = await sessions(owner.userId);
        expectProblem(await login(owner, target), 404, 'TENANCY.NOT_FOUND');
        expect(await sessions(owner.userId)).toBe(before);
      }
      // A suspended membership cannot sign in to the tenant either.
      expect(
        (await patch(t, `/v1/tenants/${tenant}/members/${viewer.userId}`, { status: 'suspended' }, owner.accessToken)).statusCode,
      ).toBe(200);
      const vBefore = await sessions(viewer.userId);
      expectProblem(await login(viewer, tenant), 404, 'TENANCY.NOT_FOUND');
      expect(await sessions(viewer.userId)).toBe(vBefore);

      const before = await sessions(owner.userId);
      expectInvalid(await login(owner, 'not-a-uuid'), ['tenant_id']);
      expect(await sessions(owner.userId)).toBe(before);
      // Wrong password with a tenant: still 401, no tenant facts revealed.
      const bad = await post(t, '/v1/auth/login', { email: owner.email, password: 'wrong password entirely', tenant_id: elsewhere });
      expectProblem(bad, 401, 'AUTH.INVALID_CREDENTIALS');
    });

    it('DELETE /v1/me: the sole owner → 409 TENANCY.LAST_OWNER; with a second owner it works and the memberships go', async () => {
      const { t, db } = ctx;
      const owner = await signUp(t, db);
      const tenant = await createTenant(t, owner, 'Handover');
      const other = await createTenant(t, owner, 'Second');
      const sessionsBefore = await sessions(owner.userId);

      const refused = await del(t, '/v1/me', owner.accessToken);
      expectProblem(refused, 409, 'TENANCY.LAST_OWNER');
      expect([...(refused.json().tenant_ids as string[])].sort()).toEqual([tenant, other].sort());
      expect((await db.query<{ status: string }>(`SELECT status FROM account.users WHERE id = $1`, [owner.userId]))[0].status).toBe(
        'active',
      );
      expect(await sessions(owner.userId)).toBe(sessionsBefore);
      expect((await get(t, '/v1/me', owner.accessToken)).statusCode).toBe(200);

      // A co-owner in the first; the second is deleted (a deleted tenant does not need an owner).
      const coOwner = await addMember(t, db, tenant, owner, ['owner']);
      const stillRefused = await del(t, '/v1/me', owner.accessToken);
      expectProblem(stillRefused, 409, 'TENANCY.LAST_OWNER');
      expect(stillRefused.json().tenant_ids).toEqual([other]);
      expect((await del(t, `/v1/tenants/${other}`, owner.accessToken)).statusCode).toBe(204);

      const deleted = await del(t, '/v1/me', owner.accessToken);
      expect(deleted.statusCode).toBe(204);
      await eventually(
        async () =>
          (await db.query(`SELECT 1 FROM tenancy.memberships WHERE user_id = $1`, [owner.userId])).length === 0 &&
          (await outbox(tenant, 'membership.removed')).length > 0,
        15_000,
        'memberships of the erased account removed',
      );
      const removed = await outbox(tenant, 'membership.removed');
      expect(removed.map((r) => r.payload)).toEqual([{ tenant_id: tenant, user_id: owner.userId, reason: 'user_deleted' }]);
      expect(removed[0]).toMatchObject({ aggregate_type: 'membership', aggregate_id: `${tenant}:${owner.userId}` });
      // The co-owner remains, and the tenant works.
      expect(await db.query(`SELECT user_id, roles FROM tenancy.memberships WHERE tenant_id = $1`, [tenant])).toEqual([
        { user_id: coOwner.userId, roles: ['owner'] },
      ]);
      const diag = await get(t, `/v1/tenants/${tenant}/diagnostics`, coOwner.accessToken);
      expect(diag.json().checks[0]).toMatchObject({ key: 'owners', status: 'ok', details: { active_owners: 1 } });
    });

    it("an erased account's membership removal is in the tenant's audit trail", async () => {
      const { t, db } = ctx;
      const owner = await signUp(t, db);
      const tenant = await createTenant(t, owner, 'Audited removal');
      const member = await addMember(t, db, tenant, owner, ['editor']);
      expect((await del(t, '/v1/me', member.accessToken)).statusCode).toBe(204);
      await eventually(
        async () => (await db.query(`SELECT 1 FROM tenancy.memberships WHERE user_id = $1`, [member.userId])).length === 0,
        15_000,
        'membership removed',
      );
      // Every tenancy change is audited with the tenant (issue 4 §12): a member vanishing must leave a trace there.
      const entries = (await audit(tenant)).filter((e) => e.resource_id === member.userId && e.action.startsWith('membership.'));
      expect(entries.map((e) => e.action)).toEqual(['membership.added', 'membership.removed']);
      expect(entries[1]).toMatchObject({
        actor_type: 'system',
        outcome: 'success',
        data: expect.objectContaining({ reason: 'user_deleted' }),
      });
    });
  });
});
