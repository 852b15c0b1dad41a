import { createHash, randomUUID } from 'node:crypto';
import { del, get, post, signUp, type SignedIn } from './support/account';
import { createApiKey, internal, type IssuedKey, listen, type Listening, registerApplication } from './support/internal';
import { expectProblem } from './support/problems';
import { createTenant, makeOperator } from './support/tenancy';
import { TenancyHousekeeping } from '@user-engine/tenancy';
import { eventually, startTestApp, type TestApp, useTestApp } from './support/test-app';

// Applications' API keys: issuing, listing and revoking them (platform operators only), how they are
// stored (a SHA-256 and a prefix, never the secret), their audit trail, and every way presenting one
// to the internal API can fail — including throttling and revocation seen by a second process.

const SECRET = /^ue_live_[0-9A-Za-z]{43}$/;
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
const ALL_SCOPES = ['authz:check', 'identities:link', 'members:read', 'users:read'];

const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest();
const future = (days = 30) => new Date(Date.now() + days * 86_400_000).toISOString();

interface KeyView {
  id: string;
  application_id: string;
  name: string;
  prefix: string;
  scopes: string[];
  tenant_id: string | null;
  status: string;
  created_at: string;
  last_used_at: string | null;
  expires_at: string | null;
  revoked_at: string | null;
  secret?: string;
}

describe('API keys', () => {
  // Failures in the matrix below must not throttle the rest of the suite (throttling has its own app).
  const ctx = useTestApp({ env: { ACCESS_API_KEY_FAILURE_LIMIT: '1000' } });
  let operator: SignedIn;
  let owner: SignedIn;
  let tenantId: string;
  let appId: string;
  let l: Listening;

  beforeAll(async () => {
    operator = await signUp(ctx.t, ctx.db);
    await makeOperator(ctx.db, operator);
    owner = await signUp(ctx.t, ctx.db);
    tenantId = await createTenant(ctx.t, owner);
    appId = (await registerApplication(ctx.t, operator, 'billing')).id;
    l = await listen(ctx.t);
  });

  const keysUrl = (app = appId) => `/v1/applications/${app}/api-keys`;
  const keyRows = (app = appId) =>
    ctx.db.query<{ id: string }>(`SELECT id FROM access.api_keys WHERE application_id = $1 ORDER BY id`, [app]);
  const audits = (action: string, resourceId?: string) =>
    ctx.db.query<{
      actor_type: string;
      actor_id: string | null;
      tenant_id: string | null;
      outcome: string;
      resource_type: string | null;
      resource_id: string | null;
      data: Record<string, unknown>;
    }>(
      `SELECT actor_type, actor_id, tenant_id, outcome, resource_type, resource_id, data FROM kernel.audit_log
        WHERE action = $1 AND ($2::text IS NULL OR resource_id = $2) ORDER BY occurred_at, id`,
      [action, resourceId ?? null],
    );
  const userLookup = (key: string | undefined, options: { authorization?: string } = {}) =>
    internal(l, 'GET', `/internal/v1/users/${operator.userId}`, { key, ...options });
  /** How many audit entries (any action) mention `text`. */
  const auditMentions = async (text: string) =>
    Number(
      (await ctx.db.query<{ n: string }>(`SELECT count(*) AS n FROM kernel.audit_log WHERE data::text LIKE '%' || $1 || '%'`, [text]))[0].n,
    );

  describe('issuing (POST /v1/applications/{id}/api-keys)', () => {
    it('201 with the secret once, sorted scopes, no-store; only its SHA-256 and prefix are stored; audited without the secret', async () => {
      const res = await post(
        ctx.t,
        keysUrl(),
        { name: ' billing production ', scopes: ['users:read', 'authz:check', 'members:read', 'identities:link'] },
        operator.accessToken,
      );
      expect(res.statusCode).toBe(201);
      expect(res.headers['cache-control']).toBe('no-store');
      const key = res.json<KeyView & { secret: string }>();
      expect(key).toEqual({
        id: expect.any(String),
        application_id: appId,
        name: 'billing production',
        prefix: key.secret.slice(0, 'ue_live_'.length + 8),
        scopes: ALL_SCOPES,
        tenant_id: null,
        status: 'active',
        created_at: expect.stringMatching(ISO),
        last_used_at: null,
        expires_at: null,
        revoked_at: null,
        secret: expect.stringMatching(SECRET),
      });

      const rows = await ctx.db.query<Record<string, unknown>>(`SELECT * FROM access.api_keys WHERE id = $1`, [key.id]);
      expect(rows).toHaveLength(1);
      const [row] = rows;
      expect(row).toMatchObject({
        application_id: appId,
        name: 'billing production',
        prefix: key.prefix,
        scopes: ALL_SCOPES,
        tenant_id: null,
        expires_at: null,
        created_by: operator.userId,
        last_used_at: null,
        revoked_at: null,
        revoked_by: null,
      });
      expect(Buffer.compare(row.secret_hash as Buffer, sha256(key.secret))).toBe(0);
      // The secret itself is in no column of the row, the audit log or the server's logs.
      expect(JSON.stringify({ ...row, secret_hash: (row.secret_hash as Buffer).toString('hex') })).not.toContain(key.secret.slice(8));
      expect(await auditMentions(key.secret.slice(8))).toBe(0);
      expect(JSON.stringify(ctx.t.logs)).not.toContain(key.secret.slice(8));

      expect(await audits('api_key.created', key.id)).toEqual([
        {
          actor_type: 'user',
          actor_id: operator.userId,
          tenant_id: null,
          outcome: 'success',
          resource_type: 'api_key',
          resource_id: key.id,
          data: {
            application_id: appId,
            name: 'billing production',
            prefix: key.prefix,
            scopes: ALL_SCOPES,
            tenant_id: null,
            expires_at: null,
          },
        },
      ]);

      // Two keys never share a secret or a hash.
      const other = await createApiKey(ctx.t, operator, appId);
      expect(other.secret).not.toBe(key.secret);
      expect(other.prefix).not.toBe(key.prefix);
    });

    it('a tenant-bound key with an expiry (any zone, returned in UTC)', async () => {
      const at = new Date(Date.now() + 7 * 86_400_000);
      at.setUTCMilliseconds(0);
      const withOffset = new Date(at.getTime() + 2 * 3_600_000).toISOString().replace('.000Z', '+02:00');
      const res = await post(
        ctx.t,
        keysUrl(),
        { name: 'tenant key', scopes: ['members:read'], tenant_id: tenantId.toUpperCase(), expires_at: withOffset },
        operator.accessToken,
      );
      expect(res.statusCode).toBe(201);
      const key = res.json<KeyView>();
      expect(key).toMatchObject({ scopes: ['members:read'], tenant_id: tenantId, expires_at: at.toISOString(), status: 'active' });
      const [row] = await ctx.db.query<{ tenant_id: string; expires_at: Date }>(
        `SELECT tenant_id, expires_at FROM access.api_keys WHERE id = $1`,
        [key.id],
      );
      expect(row).toEqual({ tenant_id: tenantId, expires_at: at });
      const [audit] = await audits('api_key.created', key.id);
      expect(audit.data).toMatchObject({ tenant_id: tenantId, expires_at: at.toISOString(), scopes: ['members:read'] });
      // Null is the same as leaving them out.
      const nulls = await post(
        ctx.t,
        keysUrl(),
        { name: 'nulls', scopes: ['users:read'], tenant_id: null, expires_at: null },
        operator.accessToken,
      );
      expect(nulls.statusCode).toBe(201);
      expect(nulls.json()).toMatchObject({ tenant_id: null, expires_at: null });
    });

    it('bad input is 400 KERNEL.VALIDATION_FAILED naming the field and rule, and stores nothing', async () => {
      const deletedTenant = await createTenant(ctx.t, owner, 'Gone');
      expect((await del(ctx.t, `/v1/tenants/${deletedTenant}`, owner.accessToken)).statusCode).toBe(204);
      const before = await keyRows();
      const ok = { name: 'k', scopes: ['users:read'] };
      const cases: [string, object, string, string?][] = [
        ['no name', { scopes: ['users:read'] }, 'name'],
        ['empty name', { ...ok, name: '   ' }, 'name'],
        ['name too long', { ...ok, name: 'n'.repeat(101) }, 'name'],
        ['name with a line break', { ...ok, name: 'a\nb' }, 'name'],
        ['no scopes', { name: 'k' }, 'scopes'],
        ['empty scopes', { ...ok, scopes: [] }, 'scopes'],
        ['duplicate scopes', { ...ok, scopes: ['users:read', 'users:read'] }, 'scopes'],
        ['scope not a string', { ...ok, scopes: [42] }, 'scopes'],
        ['scope not resource:action', { ...ok, scopes: ['everything'] }, 'scopes'],
        ['unknown scope', { ...ok, scopes: ['users:read', 'users:write'] }, 'scopes', 'ACCESS.UNKNOWN_SCOPE'],
        ['a tenant permission as scope', { ...ok, scopes: ['members:invite'] }, 'scopes', 'ACCESS.UNKNOWN_SCOPE'],
        [
          'identities:link on a tenant-bound key',
          { ...ok, scopes: ['users:read', 'identities:link'], tenant_id: tenantId },
          'scopes',
          'ACCESS.PLATFORM_SCOPE',
        ],
        ['tenant_id not a uuid', { ...ok, tenant_id: 'acme' }, 'tenant_id'],
        ['unknown tenant', { ...ok, tenant_id: randomUUID() }, 'tenant_id', 'ACCESS.UNKNOWN_TENANT'],
        ['deleted tenant', { ...ok, tenant_id: deletedTenant }, 'tenant_id', 'ACCESS.UNKNOWN_TENANT'],
        ['expires_at in the past', { ...ok, expires_at: new Date(Date.now() - 60_000).toISOString() }, 'expires_at', 'future'],
        ['expires_at without a zone', { ...ok, expires_at: future().replace('Z', '') }, 'expires_at'],
        ['expires_at not a date', { ...ok, expires_at: 'tomorrow' }, 'expires_at'],
        ['expires_at date only', { ...ok, expires_at: '2999-01-01' }, 'expires_at'],
        ['unknown property', { ...ok, secret: 'ue_live_mine' }, 'secret'],
      ];
      for (const [label, body, path, rule] of cases) {
        const res = await post(ctx.t, keysUrl(), body, operator.accessToken);
        const p = expectProblem(res, 400, 'KERNEL.VALIDATION_FAILED');
        expect({ label, errors: p.errors }).toEqual({
          label,
          errors: expect.arrayContaining([expect.objectContaining({ path, ...(rule ? { rule } : {}) })]),
        });
      }
      expect(await keyRows()).toEqual(before);
    });

    it('unknown application 404, bad id 400, disabled application 409 (and fine again once enabled)', async () => {
      const ok = { name: 'k', scopes: ['users:read'] };
      expectProblem(await post(ctx.t, keysUrl(randomUUID()), ok, operator.accessToken), 404, 'ACCESS.APPLICATION_NOT_FOUND');
      const bad = expectProblem(await post(ctx.t, keysUrl('not-a-uuid'), ok, operator.accessToken), 400, 'KERNEL.VALIDATION_FAILED');
      expect(bad.errors).toEqual([expect.objectContaining({ path: 'id' })]);

      const other = await registerApplication(ctx.t, operator);
      expect((await post(ctx.t, `/v1/applications/${other.id}/disable`, {}, operator.accessToken)).statusCode).toBe(200);
      expectProblem(await post(ctx.t, keysUrl(other.id), ok, operator.accessToken), 409, 'ACCESS.APPLICATION_DISABLED');
      expect(await keyRows(other.id)).toEqual([]);
      expect((await post(ctx.t, `/v1/applications/${other.id}/enable`, {}, operator.accessToken)).statusCode).toBe(200);
      expect((await post(ctx.t, keysUrl(other.id), ok, operator.accessToken)).statusCode).toBe(201);
      expect(await keyRows(other.id)).toHaveLength(1);
    });

    it('only platform operators: a tenant owner gets 403 AUTHZ.FORBIDDEN on every key route, anonymous 401; nothing changes', async () => {
      const victim = await createApiKey(ctx.t, operator, appId, { name: 'victim' });
      const before = await keyRows();
      for (const token of [owner.accessToken, undefined]) {
        const responses = [
          await post(ctx.t, keysUrl(), { name: 'k', scopes: ['users:read'] }, token),
          await get(ctx.t, keysUrl(), token),
          await del(ctx.t, `${keysUrl()}/${victim.id}`, token),
        ];
        for (const res of responses) {
          if (token) expect(expectProblem(res, 403, 'AUTHZ.FORBIDDEN').reason).toBe('not_platform_operator');
          else expectProblem(res, 401, 'AUTH.UNAUTHENTICATED');
        }
      }
      expect(await keyRows()).toEqual(before);
      expect(await audits('api_key.revoked', victim.id)).toEqual([]);
      expect((await userLookup(victim.secret)).statusCode).toBe(200);
    });
  });

  describe('listing (GET /v1/applications/{id}/api-keys)', () => {
    let listApp: string;
    let keys: IssuedKey[];

    beforeAll(async () => {
      listApp = (await registerApplication(ctx.t, operator)).id;
      keys = [];
      for (const name of ['one', 'two', 'three', 'four', 'five']) keys.push(await createApiKey(ctx.t, operator, listApp, { name }));
    });

    const list = async (query = '', app = listApp) => {
      const res = await get(ctx.t, `${keysUrl(app)}${query}`, operator.accessToken);
      expect(res.statusCode).toBe(200);
      return res.json<{ items: KeyView[]; next_cursor: string | null }>();
    };

    it('oldest first, every field but never the secret; pages with limit and cursor', async () => {
      const all = await list();
      expect(all.next_cursor).toBeNull();
      expect(all.items.map((k) => k.name)).toEqual(['one', 'two', 'three', 'four', 'five']);
      expect(all.items[0]).toEqual({
        id: keys[0].id,
        application_id: listApp,
        name: 'one',
        prefix: keys[0].prefix,
        scopes: ALL_SCOPES,
        tenant_id: null,
        status: 'active',
        created_at: expect.stringMatching(ISO),
        last_used_at: null,
        expires_at: null,
        revoked_at: null,
      });
      const body = JSON.stringify(all);
      for (const k of keys) expect(body).not.toContain(k.secret.slice(8));

      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const page = await list(`?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
        expect(page.items.length).toBeLessThanOrEqual(2);
        seen.push(...page.items.map((k) => k.name));
        cursor = page.next_cursor;
        pages++;
      } while (cursor && pages < 10);
      expect(seen).toEqual(['one', 'two', 'three', 'four', 'five']);
      expect(pages).toBe(3);
    });

    it('status=active|expired|revoked filters by what the key can still do', async () => {
      expect((await del(ctx.t, `${keysUrl(listApp)}/${keys[1].id}`, operator.accessToken)).statusCode).toBe(204);
      await ctx.db.query(`UPDATE access.api_keys SET expires_at = now() - interval '1 minute' WHERE id = $1`, [keys[2].id]);
      await ctx.db.query(`UPDATE access.api_keys SET expires_at = now() + interval '1 day' WHERE id = $1`, [keys[3].id]);

      const all = await list();
      expect(all.items.map((k) => [k.name, k.status])).toEqual([
        ['one', 'active'],
        ['two', 'revoked'],
        ['three', 'expired'],
        ['four', 'active'],
        ['five', 'active'],
      ]);
      expect(all.items[1].revoked_at).toMatch(ISO);
      expect((await list('?status=active')).items.map((k) => k.name)).toEqual(['one', 'four', 'five']);
      expect((await list('?status=expired')).items.map((k) => k.name)).toEqual(['three']);
      expect((await list('?status=revoked')).items.map((k) => k.name)).toEqual(['two']);
      expect((await list('?status=active&limit=1')).items.map((k) => k.name)).toEqual(['one']);
    });

    it('an application with no keys lists none; bad query 400; unknown application 404', async () => {
      const empty = await registerApplication(ctx.t, operator);
      expect(await list('', empty.id)).toEqual({ items: [], next_cursor: null });
      for (const q of ['?status=deleted', '?limit=0', '?limit=abc', '?other=1']) {
        expectProblem(await get(ctx.t, `${keysUrl(listApp)}${q}`, operator.accessToken), 400, 'KERNEL.VALIDATION_FAILED');
      }
      // A cursor is only good for the list that issued it.
      expectProblem(await get(ctx.t, `${keysUrl(listApp)}?cursor=garbage`, operator.accessToken), 400, 'KERNEL.INVALID_CURSOR');
      const cursor = (await list('?limit=1')).next_cursor!;
      expect(cursor).toEqual(expect.any(String));
      expectProblem(
        await get(ctx.t, `${keysUrl(empty.id)}?cursor=${encodeURIComponent(cursor)}`, operator.accessToken),
        400,
        'KERNEL.INVALID_CURSOR',
      );
      expectProblem(await get(ctx.t, keysUrl(randomUUID()), operator.accessToken), 404, 'ACCESS.APPLICATION_NOT_FOUND');
      expectProblem(await get(ctx.t, keysUrl('nope'), operator.accessToken), 400, 'KERNEL.VALIDATION_FAILED');
    });
  });

  describe('revoking (DELETE /v1/applications/{id}/api-keys/{key_id})', () => {
    it('204, stops working at once, audited once; revoking again is 204 without a second entry', async () => {
      const key = await createApiKey(ctx.t, operator, appId, { name: 'to revoke' });
      expect((await userLookup(key.secret)).statusCode).toBe(200); // cached by now

      const res = await del(ctx.t, `${keysUrl()}/${key.id.toUpperCase()}`, operator.accessToken);
      expect(res.statusCode).toBe(204);
      expect(res.body).toBe('');
      expectProblem(await userLookup(key.secret), 401, 'AUTH.API_KEY_REVOKED');

      const [row] = await ctx.db.query<{ revoked_at: Date | null; revoked_by: string | null }>(
        `SELECT revoked_at, revoked_by FROM access.api_keys WHERE id = $1`,
        [key.id],
      );
      expect(row.revoked_at).toBeInstanceOf(Date);
      expect(row.revoked_by).toBe(operator.userId);
      const expected = [
        {
          actor_type: 'user',
          actor_id: operator.userId,
          tenant_id: null,
          outcome: 'success',
          resource_type: 'api_key',
          resource_id: key.id,
          data: { application_id: appId, name: 'to revoke', prefix: key.prefix },
        },
      ];
      expect(await audits('api_key.revoked', key.id)).toEqual(expected);

      expect((await del(ctx.t, `${keysUrl()}/${key.id}`, operator.accessToken)).statusCode).toBe(204);
      expect(await audits('api_key.revoked', key.id)).toEqual(expected);
      const [again] = await ctx.db.query<{ revoked_at: Date }>(`SELECT revoked_at FROM access.api_keys WHERE id = $1`, [key.id]);
      expect(again.revoked_at).toEqual(row.revoked_at);
    });

    it('unknown key, or a key of another application, is 404 ACCESS.API_KEY_NOT_FOUND and revokes nothing; bad ids 400', async () => {
      const key = await createApiKey(ctx.t, operator, appId, { name: 'keep' });
      const other = await registerApplication(ctx.t, operator);
      expectProblem(await del(ctx.t, `${keysUrl()}/${randomUUID()}`, operator.accessToken), 404, 'ACCESS.API_KEY_NOT_FOUND');
      expectProblem(await del(ctx.t, `${keysUrl(other.id)}/${key.id}`, operator.accessToken), 404, 'ACCESS.API_KEY_NOT_FOUND');
      const bad = expectProblem(await del(ctx.t, `${keysUrl()}/not-a-uuid`, operator.accessToken), 400, 'KERNEL.VALIDATION_FAILED');
      expect(bad.errors).toEqual([expect.objectContaining({ path: 'key_id' })]);
      expectProblem(await del(ctx.t, `${keysUrl('x')}/${key.id}`, operator.accessToken), 400, 'KERNEL.VALIDATION_FAILED');
      const [row] = await ctx.db.query(`SELECT revoked_at FROM access.api_keys WHERE id = $1`, [key.id]);
      expect(row).toEqual({ revoked_at: null });
      expect(await audits('api_key.revoked', key.id)).toEqual([]);
      expect((await userLookup(key.secret)).statusCode).toBe(200);
    });
  });

  describe('a tenant erased', () => {
    it('revokes the keys bound to it (audited by the system), and only those', async () => {
      const gone = await createTenant(ctx.t, owner, 'Gone');
      const bound = await createApiKey(ctx.t, operator, appId, { tenant_id: gone, scopes: ['members:read'] });
      const other = await createApiKey(ctx.t, operator, appId, { tenant_id: tenantId, scopes: ['members:read'] });
      const members = (key: IssuedKey, tenant: string) => internal(l, 'GET', `/internal/v1/tenants/${tenant}/members`, { key: key.secret });
      expect((await members(bound, gone)).statusCode).toBe(200);
      expect((await del(ctx.t, `/v1/tenants/${gone}`, owner.accessToken)).statusCode).toBe(204);
      // Deleted but not yet erased: the key still authenticates; the tenant reads as unknown.
      expectProblem(await members(bound, gone), 404, 'TENANCY.NOT_FOUND');
      await ctx.db.query(`UPDATE tenancy.tenants SET erase_after = now() - interval '1 second' WHERE tenant_id = $1`, [gone]);
      expect(await ctx.t.get(TenancyHousekeeping).eraseExpired()).toEqual([gone]);

      await eventually(async () => (await members(bound, gone)).statusCode === 401, 15_000, 'the erased tenant’s key revoked');
      expectProblem(await members(bound, gone), 401, 'AUTH.API_KEY_REVOKED');
      expect((await members(other, tenantId)).statusCode).toBe(200);
      const [row] = await ctx.db.query<{ revoked_at: Date | null; revoked_by: string | null }>(
        `SELECT revoked_at, revoked_by FROM access.api_keys WHERE id = $1`,
        [bound.id],
      );
      expect(row.revoked_at).toBeInstanceOf(Date);
      expect(row.revoked_by).toBeNull();
      expect(await audits('api_key.revoked', bound.id)).toEqual([
        {
          actor_type: 'system',
          actor_id: null,
          tenant_id: null,
          outcome: 'success',
          resource_type: 'api_key',
          resource_id: bound.id,
          data: { application_id: appId, prefix: bound.prefix, reason: 'tenant_erased', tenant_id: gone },
        },
      ]);
      expect(await audits('api_key.revoked', other.id)).toEqual([]);
    });
  });

  describe('presenting a key to the internal API', () => {
    it('a valid key works; its first use sets last_used_at, and further uses within the minute do not write it again', async () => {
      const key = await createApiKey(ctx.t, operator, appId, { scopes: ['users:read'], expires_at: future() });
      const res = await userLookup(key.secret);
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ id: operator.userId, email: operator.email });
      const used = await eventually(
        async () =>
          (await ctx.db.query<{ last_used_at: Date | null }>(`SELECT last_used_at FROM access.api_keys WHERE id = $1`, [key.id]))[0]
            .last_used_at,
        10_000,
        'last_used_at',
      );
      expect(Math.abs(used.getTime() - Date.now())).toBeLessThan(60_000);
      const listed = await get(ctx.t, keysUrl(), operator.accessToken);
      expect(listed.json<{ items: KeyView[] }>().items.find((k) => k.id === key.id)?.last_used_at).toBe(used.toISOString());

      // Within the minute the process does not record another use.
      const old = new Date('2020-01-01T00:00:00.000Z');
      await ctx.db.query(`UPDATE access.api_keys SET last_used_at = $2 WHERE id = $1`, [key.id, old]);
      expect((await userLookup(key.secret)).statusCode).toBe(200);
      expect((await userLookup(key.secret)).statusCode).toBe(200);
      const [after] = await ctx.db.query<{ last_used_at: Date }>(`SELECT last_used_at FROM access.api_keys WHERE id = $1`, [key.id]);
      expect(after.last_used_at).toEqual(old);
    });

    it('every kind of bad key: the exact status and code, WWW-Authenticate on 401s, an audit entry with the reason and never the secret', async () => {
      const revoked = await createApiKey(ctx.t, operator, appId, { name: 'revoked' });
      expect((await del(ctx.t, `${keysUrl()}/${revoked.id}`, operator.accessToken)).statusCode).toBe(204);
      const expired = await createApiKey(ctx.t, operator, appId, { name: 'expired', expires_at: future() });
      await ctx.db.query(`UPDATE access.api_keys SET expires_at = now() - interval '1 minute' WHERE id = $1`, [expired.id]);
      const disabledApp = await registerApplication(ctx.t, operator);
      const ofDisabled = await createApiKey(ctx.t, operator, disabledApp.id, { name: 'of disabled' });
      expect((await post(ctx.t, `/v1/applications/${disabledApp.id}/disable`, {}, operator.accessToken)).statusCode).toBe(200);
      const unknown = `ue_live_${'Z'.repeat(43)}`;

      const cases: {
        label: string;
        send: { key?: string; authorization?: string };
        status: number;
        code: string;
        reason: string;
        prefix: string | null;
        key?: { id: string; app: string };
      }[] = [
        { label: 'no Authorization', send: {}, status: 401, code: 'AUTH.API_KEY_REQUIRED', reason: 'missing', prefix: null },
        {
          label: 'Basic credentials',
          send: { authorization: 'Basic dXNlcjpwYXNz' },
          status: 401,
          code: 'AUTH.API_KEY_REQUIRED',
          reason: 'missing',
          prefix: null,
        },
        {
          label: 'a user access token',
          send: { key: operator.accessToken },
          status: 401,
          code: 'AUTH.API_KEY_REQUIRED',
          reason: 'user_token',
          prefix: null,
        },
        { label: 'garbage', send: { key: 'garbage' }, status: 401, code: 'AUTH.API_KEY_INVALID', reason: 'malformed', prefix: null },
        {
          label: 'a key cut short',
          send: { key: revoked.secret.slice(0, -1) },
          status: 401,
          code: 'AUTH.API_KEY_INVALID',
          reason: 'malformed',
          prefix: null,
        },
        {
          label: 'an unknown well-formed key',
          send: { key: unknown },
          status: 401,
          code: 'AUTH.API_KEY_INVALID',
          reason: 'unknown',
          prefix: `ue_live_ZZZZZZZZ`,
        },
        {
          label: 'a revoked key',
          send: { key: revoked.secret },
          status: 401,
          code: 'AUTH.API_KEY_REVOKED',
          reason: 'revoked',
          prefix: revoked.prefix,
          key: { id: revoked.id, app: appId },
        },
        {
          label: 'an expired key',
          send: { key: expired.secret },
          status: 401,
          code: 'AUTH.API_KEY_EXPIRED',
          reason: 'expired',
          prefix: expired.prefix,
          key: { id: expired.id, app: appId },
        },
        {
          label: "a disabled application's key",
          send: { key: ofDisabled.secret },
          status: 403,
          code: 'AUTH.APPLICATION_DISABLED',
          reason: 'application_disabled',
          prefix: ofDisabled.prefix,
          key: { id: ofDisabled.id, app: disabledApp.id },
        },
      ];
      for (const c of cases) {
        const before = Number((await ctx.db.query<{ n: string }>(`SELECT count(*) AS n FROM kernel.audit_log`))[0].n);
        const res = await userLookup(c.send.key, { authorization: c.send.authorization });
        expect({ label: c.label, status: res.statusCode, code: res.json().code }).toEqual({
          label: c.label,
          status: c.status,
          code: c.code,
        });
        expectProblem(res, c.status, c.code);
        if (c.status === 401) expect(res.headers['www-authenticate']).toMatch(/^Bearer realm="user-engine-internal"/);
        const rows = await ctx.db.query<Record<string, unknown>>(
          `SELECT actor_type, actor_id, tenant_id, outcome, resource_type, resource_id, ip, data FROM kernel.audit_log
            WHERE action = 'api_key.rejected' ORDER BY occurred_at DESC, id DESC LIMIT 1`,
        );
        expect({ label: c.label, audit: rows[0] }).toEqual({
          label: c.label,
          audit: {
            actor_type: c.key ? 'service' : 'anonymous',
            actor_id: c.key ? c.key.app : null,
            tenant_id: null,
            outcome: 'failure',
            resource_type: c.key ? 'api_key' : null,
            resource_id: c.key ? c.key.id : null,
            ip: '127.0.0.1',
            data: { reason: c.reason, prefix: c.prefix, path: `/internal/v1/users/${operator.userId}` },
          },
        });
        const afterCount = Number((await ctx.db.query<{ n: string }>(`SELECT count(*) AS n FROM kernel.audit_log`))[0].n);
        expect({ label: c.label, added: afterCount - before }).toEqual({ label: c.label, added: 1 });
      }
      for (const secret of [revoked.secret, expired.secret, ofDisabled.secret, operator.accessToken]) {
        expect(await auditMentions(secret.slice(8))).toBe(0);
      }

      // Enabling the application makes its key work again, at once.
      expect((await post(ctx.t, `/v1/applications/${disabledApp.id}/enable`, {}, operator.accessToken)).statusCode).toBe(200);
      expect((await userLookup(ofDisabled.secret)).statusCode).toBe(200);
    });

    it('expiry is checked on every request: a key used before its expiry stops working at it', async () => {
      const key = await createApiKey(ctx.t, operator, appId, { expires_at: new Date(Date.now() + 2_000).toISOString() });
      expect((await userLookup(key.secret)).statusCode).toBe(200);
      const res = await eventually(
        async () => {
          const r = await userLookup(key.secret);
          return r.statusCode !== 200 && r;
        },
        10_000,
        'the key to expire',
      );
      expectProblem(res, 401, 'AUTH.API_KEY_EXPIRED');
      const list = await get(ctx.t, `${keysUrl()}?status=expired`, operator.accessToken);
      expect(list.json<{ items: KeyView[] }>().items.map((k) => k.id)).toContain(key.id);
    });

    it('a missing scope is 403 AUTHZ.API_KEY_SCOPE and a foreign tenant 403 AUTHZ.API_KEY_TENANT, both audited as authz.denied', async () => {
      const narrow = await createApiKey(ctx.t, operator, appId, { scopes: ['members:read'] });
      const res = await userLookup(narrow.secret);
      expect(expectProblem(res, 403, 'AUTHZ.API_KEY_SCOPE')).toMatchObject({ reason: 'missing_scope', scope: 'users:read' });
      expect(await audits('authz.denied', narrow.id)).toEqual([
        {
          actor_type: 'service',
          actor_id: appId,
          tenant_id: null,
          outcome: 'denied',
          resource_type: 'api_key',
          resource_id: narrow.id,
          data: { scope: 'users:read', reason: 'missing_scope', path: `/internal/v1/users/${operator.userId}` },
        },
      ]);

      const otherTenant = await createTenant(ctx.t, owner, 'Other');
      const bound = await createApiKey(ctx.t, operator, appId, { tenant_id: tenantId });
      const foreign = await internal(l, 'GET', `/internal/v1/tenants/${otherTenant}/members`, { key: bound.secret });
      expect(expectProblem(foreign, 403, 'AUTHZ.API_KEY_TENANT').reason).toBe('key_tenant_mismatch');
      const [denied] = await audits('authz.denied', bound.id);
      expect(denied).toMatchObject({
        actor_type: 'service',
        actor_id: appId,
        outcome: 'denied',
        data: { tenant_id: otherTenant, reason: 'key_tenant_mismatch' },
      });
      const own = await internal(l, 'GET', `/internal/v1/tenants/${tenantId}/members`, { key: bound.secret });
      expect(own.statusCode).toBe(200);
      // Refusals of a valid key are not failed key uses.
      expect((await audits('api_key.rejected')).filter((a) => a.resource_id === narrow.id || a.resource_id === bound.id)).toEqual([]);
    });
  });

  describe('throttling failed uses per client address', () => {
    let throttled: TestApp;
    let tl: Listening;

    beforeAll(async () => {
      throttled = await startTestApp(ctx.db, { env: { ACCESS_API_KEY_FAILURE_LIMIT: '3', ACCESS_API_KEY_FAILURE_WINDOW: '3s' } });
      tl = await listen(throttled);
    });
    afterAll(() => throttled?.close());

    it('past the limit: 429 AUTH.API_KEY_THROTTLED with Retry-After, even for a good key, one api_key.throttled entry; back after the window', async () => {
      const good = await createApiKey(ctx.t, operator, appId, { scopes: ['users:read'] });
      const url = `/internal/v1/users/${operator.userId}`;
      const count = async (action: string) =>
        Number((await ctx.db.query<{ n: string }>(`SELECT count(*) AS n FROM kernel.audit_log WHERE action = $1`, [action]))[0].n);
      const rejectedBefore = await count('api_key.rejected');
      const throttledBefore = await count('api_key.throttled');

      expect((await internal(tl, 'GET', url, { key: good.secret })).statusCode).toBe(200);
      expectProblem(await internal(tl, 'GET', url, { key: 'nope' }), 401, 'AUTH.API_KEY_INVALID');
      expectProblem(await internal(tl, 'GET', url, {}), 401, 'AUTH.API_KEY_REQUIRED');
      expectProblem(await internal(tl, 'GET', url, { key: `ue_live_${'q'.repeat(43)}` }), 401, 'AUTH.API_KEY_INVALID');
      for (const send of [{ key: 'nope' }, { key: good.secret }, {}]) {
        const res = await internal(tl, 'GET', url, send);
        expectProblem(res, 429, 'AUTH.API_KEY_THROTTLED');
        const retryAfter = Number(res.headers['retry-after']);
        expect(Number.isInteger(retryAfter)).toBe(true);
        expect(retryAfter).toBeGreaterThanOrEqual(1);
        expect(retryAfter).toBeLessThanOrEqual(3);
      }
      expect(await count('api_key.rejected')).toBe(rejectedBefore + 3);
      expect(await count('api_key.throttled')).toBe(throttledBefore + 1);
      const [entry] = await ctx.db.query<{ actor_type: string; outcome: string; ip: string; data: unknown }>(
        `SELECT actor_type, outcome, ip, data FROM kernel.audit_log WHERE action = 'api_key.throttled' ORDER BY occurred_at DESC LIMIT 1`,
      );
      expect(entry).toEqual({ actor_type: 'anonymous', outcome: 'denied', ip: '127.0.0.1', data: { failures: 3, window_ms: 3000 } });

      // The other process counts its own failures: the good key still works there.
      expect((await userLookup(good.secret)).statusCode).toBe(200);

      // Once the window is over, the address is served again.
      await eventually(async () => (await internal(tl, 'GET', url, { key: good.secret })).statusCode === 200, 10_000, 'the window to end');
      expectProblem(await internal(tl, 'GET', url, { key: 'nope' }), 401, 'AUTH.API_KEY_INVALID');
      expect(await count('api_key.throttled')).toBe(throttledBefore + 1);
    });
  });

  describe('two processes', () => {
    let second: TestApp;
    let sl: Listening;

    beforeAll(async () => {
      second = await startTestApp(ctx.db, { env: { ACCESS_API_KEY_FAILURE_LIMIT: '1000' } });
      sl = await listen(second);
    });
    afterAll(() => second?.close());

    const lookupOn = (at: Listening, key: string) => internal(at, 'GET', `/internal/v1/users/${operator.userId}`, { key });

    it('a revocation on one process stops the key on the other, which had it cached', async () => {
      const key = await createApiKey(ctx.t, operator, appId, { name: 'shared' });
      const bystander = await createApiKey(ctx.t, operator, appId, { name: 'bystander' });
      for (const at of [l, sl]) {
        expect((await lookupOn(at, key.secret)).statusCode).toBe(200);
        expect((await lookupOn(at, bystander.secret)).statusCode).toBe(200);
      }
      expect((await del(ctx.t, `${keysUrl()}/${key.id}`, operator.accessToken)).statusCode).toBe(204);
      expectProblem(await lookupOn(l, key.secret), 401, 'AUTH.API_KEY_REVOKED');
      const res = await eventually(
        async () => {
          const r = await lookupOn(sl, key.secret);
          return r.statusCode !== 200 && r;
        },
        10_000,
        'the second process to see the revocation',
      );
      expectProblem(res, 401, 'AUTH.API_KEY_REVOKED');
      expect((await lookupOn(sl, bystander.secret)).statusCode).toBe(200);
    });

    it('disabling the application stops its keys on both processes; enabling restores them', async () => {
      const application = await registerApplication(ctx.t, operator);
      const key = await createApiKey(ctx.t, operator, application.id);
      for (const at of [l, sl]) expect((await lookupOn(at, key.secret)).statusCode).toBe(200);

      expect((await post(second, `/v1/applications/${application.id}/disable`, {}, operator.accessToken)).statusCode).toBe(200);
      expectProblem(await lookupOn(sl, key.secret), 403, 'AUTH.APPLICATION_DISABLED');
      const res = await eventually(
        async () => {
          const r = await lookupOn(l, key.secret);
          return r.statusCode !== 200 && r;
        },
        10_000,
        'the first process to see the application disabled',
      );
      expectProblem(res, 403, 'AUTH.APPLICATION_DISABLED');

      expect((await post(second, `/v1/applications/${application.id}/enable`, {}, operator.accessToken)).statusCode).toBe(200);
      expect((await lookupOn(sl, key.secret)).statusCode).toBe(200);
      await eventually(async () => (await lookupOn(l, key.secret)).statusCode === 200, 10_000, 'the first process to see it enabled');
    });
  });
});
