import { connect } from 'node:net';
import { Client } from 'pg';
import { signUp, type SignedIn } from './support/account';
import { runTs, type RunningChild } from './support/child-process';
import { call, createApiKey, INTERNAL_DOCUMENT_PATHS, registerApplication, type RegisteredApplication } from './support/internal';
import { expectProblem } from './support/problems';
import { createTenant, makeOperator } from './support/tenancy';
import { eventually, TEST_ENV, useTestApp } from './support/test-app';

/*
 * The real process entry (serve): one application, two listeners. The public port serves the
 * public API, the internal port only /internal/… (API keys), both serve health and metrics, and
 * SIGTERM drains and closes both before the process exits 0.
 */

const STARTED = /\{[^\n]*"msg":"User Engine listening on 127\.0\.0\.1:(\d+) \(internal API on 127\.0\.0\.1:(\d+)\)"[^\n]*\}/;

interface Ports {
  publicUrl: string;
  internalUrl: string;
}

/** Starts `entry` on ephemeral loopback ports and reads both ports from the start-up log line. */
async function start(entry: string, databaseUrl: string): Promise<{ server: RunningChild; ports: Ports }> {
  const server = runTs(entry, {
    ...TEST_ENV,
    DATABASE_URL: databaseUrl,
    PORT: '0',
    INTERNAL_PORT: '0',
    HOST: '127.0.0.1',
    INTERNAL_HOST: '127.0.0.1',
  });
  const [line, publicPort, internalPort] = await server.waitFor(STARTED);
  const logged = JSON.parse(line) as { port: number; internal_port: number; startup_ms: number };
  expect(logged).toMatchObject({ level: 'info', port: Number(publicPort), internal_port: Number(internalPort) });
  expect(typeof logged.startup_ms).toBe('number');
  expect(Number(publicPort)).toBeGreaterThan(0);
  expect(Number(internalPort)).toBeGreaterThan(0);
  expect(internalPort).not.toBe(publicPort);
  return { server, ports: { publicUrl: `http://127.0.0.1:${publicPort}`, internalUrl: `http://127.0.0.1:${internalPort}` } };
}

/** Whether a new TCP connection to `url` is refused (nothing listens any more). */
function refusesConnections(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect({ host: hostname, port: Number(port) });
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
}

/** Stops a child that a failed test left running (its own pid only). */
async function stop(server: RunningChild | undefined): Promise<void> {
  if (!server || server.child.exitCode !== null || server.child.signalCode !== null) return;
  server.child.kill('SIGKILL');
  await server.exited;
}

describe('the process entry serves both listeners (probe module only)', () => {
  const ctx = useTestApp({ probe: true, app: false });
  let server: RunningChild | undefined;

  afterAll(() => stop(server));

  it('logs both ports, keeps each surface on its own port, and SIGTERM closes both (exit 0)', async () => {
    const started = await start('test/support/serve-child.ts', ctx.db.url);
    server = started.server;
    const { publicUrl, internalUrl } = started.ports;

    // Probes and metrics on both ports.
    for (const base of [publicUrl, internalUrl]) {
      for (const url of ['/health/live', '/health/ready']) {
        const res = await call(base, { url });
        expect({ base, url, status: res.statusCode }).toEqual({ base, url, status: 200 });
      }
      const metrics = await call(base, { url: '/metrics' });
      expect(metrics.statusCode).toBe(200);
      expect(metrics.body).toContain('# TYPE');
    }

    // The public API only on the public port…
    expect((await call(publicUrl, { url: '/v1/probe/slow?ms=1' })).json()).toEqual({ waited: 1 });
    const publicOnInternal = expectProblem(await call(internalUrl, { url: '/v1/probe/slow?ms=1' }), 404, 'KERNEL.ROUTE_NOT_FOUND');
    expect(publicOnInternal.detail).toBe('No route GET /v1/probe/slow.');
    // …and /internal/… never on the public port, whether a route exists there or not.
    expectProblem(await call(publicUrl, { url: '/internal/v1/users/0190a4d6-aaaa-7000-8000-00000000000a' }), 404, 'KERNEL.ROUTE_NOT_FOUND');
    expectProblem(await call(publicUrl, { url: '/internal/openapi.json' }), 404, 'KERNEL.ROUTE_NOT_FOUND');
    expectProblem(await call(internalUrl, { url: '/openapi.json' }), 404, 'KERNEL.ROUTE_NOT_FOUND');
    // Paths no route serves on either port read the same: a problem document, never a bare 404.
    expectProblem(await call(internalUrl, { url: '/v1/no-such-route' }), 404, 'KERNEL.ROUTE_NOT_FOUND');
    expectProblem(await call(publicUrl, { url: '/internal/v1/no-such-route' }), 404, 'KERNEL.ROUTE_NOT_FOUND');

    // Each port documents its own surface.
    const publicDoc = (await call(publicUrl, { url: '/openapi.json' })).json<{ paths: Record<string, unknown> }>();
    expect(Object.keys(publicDoc.paths)).toEqual(expect.arrayContaining(['/health/live', '/v1/probe/slow']));
    expect(Object.keys(publicDoc.paths).filter((p) => p.startsWith('/internal/'))).toEqual([]);
    const internalDoc = await call(internalUrl, { url: '/internal/openapi.json' });
    expect(internalDoc.statusCode).toBe(200);
    // No module here declares internal routes: the internal document has the health probes only
    // (metrics are served, not documented).
    expect(Object.keys(internalDoc.json<{ paths: Record<string, unknown> }>().paths).sort()).toEqual(['/health/live', '/health/ready']);

    // A request in flight on the public port is finished; then neither port accepts connections.
    const inFlight = fetch(`${publicUrl}/v1/probe/slow?ms=800`).then(async (r) => ({ status: r.status, body: await r.json() }));
    await new Promise((r) => setTimeout(r, 150)); // the request is being handled
    server.child.kill('SIGTERM');
    await server.waitFor(/SIGTERM received: shutting down/);
    expect(await inFlight).toEqual({ status: 200, body: { waited: 800 } });
    expect(await server.exited).toEqual({ code: 0, signal: null });
    expect(server.stdout()).toContain('shut down cleanly');
    expect(server.stderr()).toBe('');
    expect(await refusesConnections(publicUrl)).toBe(true);
    expect(await refusesConnections(internalUrl)).toBe(true);
  });
});

describe('the process entry serves the internal API (every module)', () => {
  const ctx = useTestApp();
  let server: RunningChild | undefined;
  let operator: SignedIn;
  let owner: SignedIn;
  let tenantId: string;
  let application: RegisteredApplication;

  beforeAll(async () => {
    operator = await signUp(ctx.t, ctx.db);
    await makeOperator(ctx.db, operator);
    owner = await signUp(ctx.t, ctx.db);
    tenantId = await createTenant(ctx.t, owner);
    application = await registerApplication(ctx.t, operator, 'orders');
  });

  afterAll(() => stop(server));

  it('answers API keys on the internal port only, drains an internal request in flight on SIGTERM and exits 0', async () => {
    // Keys issued by another process on the same database: the child reads them from the database.
    const key = await createApiKey(ctx.t, operator, application.id);
    const later = await createApiKey(ctx.t, operator, application.id, { name: 'used first while shutting down' });
    const started = await start('test/support/account-tokens-serve-child.ts', ctx.db.url);
    server = started.server;
    const { publicUrl, internalUrl } = started.ports;
    const bearer = (secret: string) => ({ authorization: `Bearer ${secret}` });

    const user = await call(internalUrl, { url: `/internal/v1/users/${owner.userId}`, headers: bearer(key.secret) });
    expect({ status: user.statusCode, body: user.json() }).toEqual({
      status: 200,
      body: {
        id: owner.userId,
        email: owner.email,
        email_verified: true,
        status: 'active',
        display_name: null,
        created_at: expect.any(String),
      },
    });
    const check = await call(internalUrl, {
      method: 'POST',
      url: '/internal/v1/authz/check',
      headers: bearer(key.secret),
      payload: { user_id: owner.userId, tenant_id: tenantId, permission: 'members:invite' },
    });
    expect({ status: check.statusCode, body: check.json() }).toEqual({ status: 200, body: { allowed: true, reason: 'role:owner' } });
    // The same request on the public port: not a route there, the key notwithstanding.
    expectProblem(
      await call(publicUrl, { url: `/internal/v1/users/${owner.userId}`, headers: bearer(key.secret) }),
      404,
      'KERNEL.ROUTE_NOT_FOUND',
    );
    // Public routes are not served on the internal port, a valid user token notwithstanding.
    expectProblem(await call(internalUrl, { url: '/v1/me', headers: bearer(owner.accessToken) }), 404, 'KERNEL.ROUTE_NOT_FOUND');
    expect((await call(publicUrl, { url: '/v1/me', headers: bearer(owner.accessToken) })).statusCode).toBe(200);
    const internalDoc = (await call(internalUrl, { url: '/internal/openapi.json' })).json<{ paths: Record<string, unknown> }>();
    expect(Object.keys(internalDoc.paths).sort()).toEqual([...INTERNAL_DOCUMENT_PATHS].sort());

    // An internal request held in flight: the first use of `later` waits for its credential while
    // the API keys table is locked.
    const lock = new Client({ connectionString: ctx.db.url });
    await lock.connect();
    try {
      await lock.query('BEGIN');
      await lock.query('LOCK TABLE access.api_keys IN ACCESS EXCLUSIVE MODE');
      const inFlight = call(internalUrl, { url: `/internal/v1/users/${owner.userId}`, headers: bearer(later.secret) });
      await eventually(
        async () => {
          const [{ n }] = await ctx.db.query<{ n: string }>(
            `SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`,
          );
          return Number(n) > 0;
        },
        15_000,
        'the internal request waiting on the lock',
      );
      server.child.kill('SIGTERM');
      await server.waitFor(/SIGTERM received: shutting down/);
      // The internal port stops accepting new connections while its request is still in flight.
      await eventually(() => refusesConnections(internalUrl), 10_000, 'the internal port to refuse connections');
      await lock.query('COMMIT');
      const drained = await inFlight;
      expect({ status: drained.statusCode, id: drained.json().id }).toEqual({ status: 200, id: owner.userId });
    } finally {
      await lock.query('ROLLBACK').catch(() => undefined);
      await lock.end();
    }
    expect(await server.exited).toEqual({ code: 0, signal: null });
    expect(server.stdout()).toContain('shut down cleanly');
    expect(server.stderr()).toBe('');
    expect(await refusesConnections(publicUrl)).toBe(true);
    expect(await refusesConnections(internalUrl)).toBe(true);
    // The drained request was a real first use of its key.
    const [used] = await ctx.db.query<{ last_used_at: Date | null }>(`SELECT last_used_at FROM access.api_keys WHERE id = $1`, [later.id]);
    expect(used.last_used_at).toBeInstanceOf(Date);
  });
});
