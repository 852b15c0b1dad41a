import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildOpenApiDocuments, OutboxDispatcher, uuidv7Time } from '@user-engine/kernel';
import { API_INFO } from '../apps/api/src/bootstrap';
import { useTestApp } from './support/test-app';

describe('operations endpoints', () => {
  // The production module list (no test modules): this is the document users get.
  const ctx = useTestApp();

  it('GET /health/live → 200', async () => {
    const res = await ctx.t.inject({ method: 'GET', url: '/health/live' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok' });
  });

  it('GET /health/ready → 200 when database, migrations and dispatcher are fine', async () => {
    const res = await ctx.t.inject({ method: 'GET', url: '/health/ready' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      status: 'ok',
      checks: { database: { status: 'ok' }, migrations: { status: 'ok' }, dispatcher: { status: 'ok' } },
    });
  });

  it('GET /health/ready → 503 naming a pending migration or a stopped dispatcher', async () => {
    const [migration] = await ctx.db.query<{ id: number; timestamp: string; name: string }>(
      `SELECT id, timestamp, name FROM user_engine_migrations ORDER BY id LIMIT 1`,
    );
    await ctx.db.query(`DELETE FROM user_engine_migrations WHERE id = $1`, [migration.id]);
    try {
      const res = await ctx.t.inject({ method: 'GET', url: '/health/ready' });
      expect(res.statusCode).toBe(503);
      expect(res.json().checks.migrations).toEqual({ status: 'fail', detail: `pending: ${migration.name}` });
    } finally {
      await ctx.db.query(`INSERT INTO user_engine_migrations (id, timestamp, name) VALUES ($1, $2, $3)`, [
        migration.id,
        migration.timestamp,
        migration.name,
      ]);
    }
    const dispatcher = ctx.t.get(OutboxDispatcher);
    await dispatcher.stop();
    try {
      const res = await ctx.t.inject({ method: 'GET', url: '/health/ready' });
      expect(res.statusCode).toBe(503);
      expect(res.json()).toMatchObject({ status: 'fail', checks: { dispatcher: { status: 'fail', detail: 'not running' } } });
    } finally {
      dispatcher.start();
    }
  });

  it('GET /metrics exposes request latency by route and status, and the outbox backlog and dead letters', async () => {
    await ctx.t.inject({ method: 'GET', url: '/health/live' });
    await ctx.t.inject({ method: 'GET', url: '/nope' });
    await ctx.db.query(`INSERT INTO kernel.outbox (id, type, version, aggregate_type, aggregate_id, occurred_at, payload, status) VALUES
      ('0190a4d6-0000-7000-8000-000000000001', 'x.unhandled', 1, 'x', '1', now(), '{}', 'dead')`);
    const res = await ctx.t.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.body).toMatch(/http_request_duration_seconds_count\{method="GET",route="\/health\/live",status="200"\} [1-9]/);
    expect(res.body).toMatch(/http_request_duration_seconds_bucket\{le="0.005",method="GET",route="\/health\/live",status="200"\}/);
    expect(res.body).toMatch(/http_request_duration_seconds_count\{method="GET",route="unmatched",status="404"\} 1/);
    expect(res.body).toMatch(/^outbox_backlog 0$/m);
    expect(res.body).toMatch(/^outbox_dead_letters 1$/m);
    expect(res.body).toMatch(/process_resident_memory_bytes/);
  });

  it('serves /openapi.json and /docs, and the committed openapi.json and openapi.internal.json match the code', async () => {
    const served = await ctx.t.inject({ method: 'GET', url: '/openapi.json' });
    expect(served.statusCode).toBe(200);
    const generated = buildOpenApiDocuments(ctx.t.app, API_INFO);
    expect(served.json()).toEqual(JSON.parse(JSON.stringify(generated.public)));
    // On failure: run `npm run openapi` and commit the files.
    expect(readFileSync(join(__dirname, '..', 'openapi.json'), 'utf8')).toBe(`${JSON.stringify(generated.public, null, 2)}\n`);
    expect(readFileSync(join(__dirname, '..', 'openapi.internal.json'), 'utf8')).toBe(`${JSON.stringify(generated.internal, null, 2)}\n`);
    // Each document describes one surface only.
    expect(Object.keys(generated.public.paths).filter((p) => p.startsWith('/internal/'))).toEqual([]);
    expect(
      Object.keys(generated.internal.paths)
        .filter((p) => !p.startsWith('/internal/'))
        .sort(),
    ).toEqual(['/health/live', '/health/ready']);
    expect(Object.keys(generated.internal.components?.securitySchemes ?? {})).toEqual(['api_key']);
    expect(Object.keys(generated.public.components?.securitySchemes ?? {})).toEqual(['bearer']);
    const docs = await ctx.t.inject({ method: 'GET', url: '/docs' });
    expect(docs.statusCode).toBe(200);
    expect(docs.headers['content-type']).toMatch(/text\/html/);
  });

  it('echoes a safe X-Request-Id, replaces an unsafe one, and puts it in the log line of the request', async () => {
    const given = await ctx.t.inject({ method: 'GET', url: '/health/live', headers: { 'x-request-id': 'abc-123' } });
    expect(given.headers['x-request-id']).toBe('abc-123');
    const unsafe = await ctx.t.inject({ method: 'GET', url: '/health/live', headers: { 'x-request-id': 'evil\u0007"id' } });
    const generated = String(unsafe.headers['x-request-id']);
    expect(generated).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(Math.abs(uuidv7Time(generated) - Date.now())).toBeLessThan(60_000);
    const line = ctx.t.logs.find((l) => l.request_id === 'abc-123' && l.msg === 'request completed');
    expect(line).toMatchObject({ level: 'info', req: { method: 'GET', url: '/health/live' }, res: { status: 200 } });
  });

  it('never logs secrets: query-string tokens are masked and headers/bodies are not written', async () => {
    await ctx.t.inject({
      method: 'POST',
      url: '/v1/users/verify-email?token=s3cr3t-token&x=1',
      headers: { authorization: 'Bearer eyJsecret', cookie: 'sid=cookie-secret', 'content-type': 'application/json' },
      payload: { password: 'hunter2-password' },
    });
    const text = JSON.stringify(ctx.t.logs);
    expect(text).toContain('token=[REDACTED]&x=1');
    for (const secret of ['s3cr3t-token', 'eyJsecret', 'cookie-secret', 'hunter2-password']) expect(text).not.toContain(secret);
  });
});
