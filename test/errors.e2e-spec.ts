import { useTestApp } from './support/test-app';

const TENANT = '0190a4d6-1111-7000-8000-000000000001';

describe('problem+json for every error path', () => {
  const ctx = useTestApp({ probe: true, env: { HTTP_BODY_LIMIT: '1kb' } });

  const post = (url: string, payload: string, contentType = 'application/json') =>
    ctx.t.inject({ method: 'POST', url, payload, headers: { 'content-type': contentType } });

  function expectProblem(
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- problem bodies are inspected freely
    res: { statusCode: number; headers: Record<string, unknown>; json(): Record<string, any> },
    status: number,
    code: string,
  ) {
    expect(res.statusCode).toBe(status);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    const body = res.json();
    expect(body).toMatchObject({ status, code, type: `urn:user-engine:problem:${code.toLowerCase()}` });
    expect(typeof body.title).toBe('string');
    expect(typeof body.detail).toBe('string');
    expect(body.request_id).toBe(res.headers['x-request-id']);
    expect(JSON.stringify(body)).not.toMatch(/at .*\.(ts|js):\d+/); // never a stack trace
    return body;
  }

  it('valid input passes validation (the allowed case)', async () => {
    const res = await post('/v1/probe/echo', JSON.stringify({ name: 'a', age: 3, address: { city: 'Oslo' }, tags: ['x'] }));
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ name: 'a', age: 3, address: { city: 'Oslo' }, tags: ['x'] });
  });

  it('rejects unknown fields, naming each path', async () => {
    const res = await post('/v1/probe/echo', JSON.stringify({ name: 'a', age: 3, address: { city: 'Oslo', zip: '1' }, admin: true }));
    const body = expectProblem(res, 400, 'KERNEL.VALIDATION_FAILED');
    expect(body.errors).toEqual(
      expect.arrayContaining([
        { path: 'admin', message: 'admin is not a known field', rule: 'whitelistValidation' },
        { path: 'address.zip', message: 'address.zip is not a known field', rule: 'whitelistValidation' },
      ]),
    );
    expect(body.errors).toHaveLength(2);
  });

  it('rejects wrong types with field paths, without coercing strings to numbers', async () => {
    const res = await post('/v1/probe/echo', JSON.stringify({ name: 5, age: '3', address: { city: 1 }, tags: ['ok', 2] }));
    const body = expectProblem(res, 400, 'KERNEL.VALIDATION_FAILED');
    const paths = body.errors.map((e: { path: string; rule: string }) => `${e.path}:${e.rule}`).sort();
    expect(paths).toEqual(['address.city:isString', 'age:isInt', 'age:max', 'age:min', 'name:isString', 'tags:isString'].sort());
  });

  it('rejects a missing body as a validation problem', async () => {
    const res = await ctx.t.inject({ method: 'POST', url: '/v1/probe/echo' });
    const body = expectProblem(res, 400, 'KERNEL.VALIDATION_FAILED');
    expect(body.errors.map((e: { path: string }) => e.path)).toEqual(expect.arrayContaining(['name', 'age', 'address']));
  });

  it('text PostgreSQL cannot store (NUL) → 400 KERNEL.INVALID_CHARACTER, nothing written', async () => {
    const body = expectProblem(await post(`/v1/probe/tenants/${TENANT}/notes`, '{"text":"a\\u0000b"}'), 400, 'KERNEL.INVALID_CHARACTER');
    expect(body.detail).toContain('NUL');
    expect(await ctx.db.query(`SELECT count(*)::int AS n FROM probe.notes`)).toEqual([{ n: 0 }]);
  });

  it.each([
    ['a lone high surrogate', '{"text":"a\\ud800b"}'],
    ['a lone low surrogate', '{"text":"\\uDC00"}'],
    ['a reversed pair', '{"text":"\\ude00\\ud83d"}'],
    ['one in a key', '{"text":"ok","\\ud800":1}'],
  ])('%s (no code point) → 400 KERNEL.INVALID_CHARACTER, nothing written', async (_, raw) => {
    expectProblem(await post(`/v1/probe/tenants/${TENANT}/notes`, raw), 400, 'KERNEL.INVALID_CHARACTER');
    expect(await ctx.db.query(`SELECT count(*)::int AS n FROM probe.notes`)).toEqual([{ n: 0 }]);
  });

  it('an escaped surrogate pair is one character and is accepted', async () => {
    const res = await post(`/v1/probe/tenants/${TENANT}/notes`, '{"text":"smile \\ud83d\\ude00"}');
    expect(res.statusCode).toBe(201);
    const [note] = await ctx.db.query<{ text: string }>(`SELECT text FROM probe.notes`);
    expect(note.text).toBe('smile 😀');
    await ctx.db.query(`DELETE FROM probe.notes`);
  });

  it('malformed JSON → 400 KERNEL.MALFORMED_JSON', async () => {
    expectProblem(await post('/v1/probe/echo', '{"name": '), 400, 'KERNEL.MALFORMED_JSON');
  });

  it('oversized body → 413 KERNEL.BODY_TOO_LARGE', async () => {
    const big = JSON.stringify({ name: 'x'.repeat(2000), age: 1, address: { city: 'a' } });
    const body = expectProblem(await post('/v1/probe/echo', big), 413, 'KERNEL.BODY_TOO_LARGE');
    expect(body.detail).toContain('1024');
  });

  it('a non-JSON content type → 415', async () => {
    expectProblem(await post('/v1/probe/echo', 'name=a', 'application/x-www-form-urlencoded'), 415, 'KERNEL.UNSUPPORTED_MEDIA_TYPE');
    expectProblem(await post('/v1/probe/echo', 'hello', 'text/plain'), 415, 'KERNEL.UNSUPPORTED_MEDIA_TYPE');
  });

  it('unknown route → 404 KERNEL.ROUTE_NOT_FOUND', async () => {
    const body = expectProblem(await ctx.t.inject({ method: 'GET', url: '/v1/nothing/here?x=1' }), 404, 'KERNEL.ROUTE_NOT_FOUND');
    expect(body.detail).toBe('No route GET /v1/nothing/here.');
  });

  it('a malformed path UUID → 400 naming the parameter', async () => {
    const body = expectProblem(
      await ctx.t.inject({ method: 'GET', url: '/v1/probe/tenants/not-a-uuid/notes' }),
      400,
      'KERNEL.VALIDATION_FAILED',
    );
    expect(body.errors).toEqual([{ path: 'tenant_id', message: 'tenant_id must be a UUID', rule: 'isUuid' }]);
  });

  it('bad query parameters → 400 with their names', async () => {
    const res = await ctx.t.inject({ method: 'GET', url: `/v1/probe/tenants/${TENANT}/notes?limit=0&cursor=%%%` });
    const body = expectProblem(res, 400, 'KERNEL.VALIDATION_FAILED');
    expect(body.errors.map((e: { path: string }) => e.path)).toEqual(['limit']);
    const bad = await ctx.t.inject({ method: 'GET', url: `/v1/probe/tenants/${TENANT}/notes?cursor=bm9wZQ` });
    expectProblem(bad, 400, 'KERNEL.INVALID_CURSOR');
    const unknown = await ctx.t.inject({ method: 'GET', url: `/v1/probe/tenants/${TENANT}/notes?sort=name` });
    expect(expectProblem(unknown, 400, 'KERNEL.VALIDATION_FAILED').errors[0].path).toBe('sort');
  });

  it('domain errors map their kind to a status and keep extensions and headers', async () => {
    const body = expectProblem(await ctx.t.inject({ method: 'GET', url: '/v1/probe/conflict' }), 409, 'PROBE.CONFLICT');
    expect(body.existing_id).toBe('x');
    const limited = await ctx.t.inject({ method: 'GET', url: '/v1/probe/rate-limited' });
    expectProblem(limited, 429, 'PROBE.SLOW_DOWN');
    expect(limited.headers['retry-after']).toBe('7');
  });

  it('an unexpected error is a generic 500: no message, no stack; the log has the detail', async () => {
    const res = await ctx.t.inject({ method: 'GET', url: '/v1/probe/boom', headers: { 'x-request-id': 'boom-1' } });
    const body = expectProblem(res, 500, 'KERNEL.INTERNAL');
    expect(body.detail).toBe('An unexpected error occurred.');
    expect(JSON.stringify(body)).not.toContain('secret internal detail');
    const line = ctx.t.logs.find((l) => l.level === 'error' && l.request_id === 'boom-1');
    expect(JSON.stringify(line)).toContain('secret internal detail');
  });

  it('a failed command rolls back everything it wrote (business row, event, audit entry)', async () => {
    const before = await ctx.db.query<{ n: string }>(
      `SELECT (SELECT count(*) FROM probe.notes) + (SELECT count(*) FROM kernel.outbox) + (SELECT count(*) FROM kernel.audit_log) AS n`,
    );
    const res = await post(`/v1/probe/tenants/${TENANT}/notes`, JSON.stringify({ text: 'rollback' }));
    expectProblem(res, 409, 'PROBE.ROLLBACK');
    const after = await ctx.db.query<{ n: string }>(
      `SELECT (SELECT count(*) FROM probe.notes) + (SELECT count(*) FROM kernel.outbox) + (SELECT count(*) FROM kernel.audit_log) AS n`,
    );
    expect(after[0].n).toBe(before[0].n);
  });
});
