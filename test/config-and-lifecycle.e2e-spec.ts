import { OutboxDispatcher } from '@user-engine/kernel';
import { probeFeature } from './support/probe/probe.module';
import { runTs } from './support/child-process';
import { startTestApp, TEST_ENV, useTestApp } from './support/test-app';
import { createApp } from '../apps/api/src/bootstrap';
import { FEATURE_MODULES } from '../apps/api/src/feature-modules';

describe('start-up configuration', () => {
  const ctx = useTestApp({ probe: true, app: false });

  async function startFails(env: Record<string, string>): Promise<string> {
    const child = runTs('test/support/serve-child.ts', { ...TEST_ENV, DATABASE_URL: ctx.db.url, PORT: '0', ...env });
    const { code } = await child.exited;
    expect(code).toBe(1);
    return child.stderr();
  }

  it('a bad variable stops the process with a message naming it and what is expected', async () => {
    const stderr = await startFails({ PORT: 'abc', OUTBOX_POLL_INTERVAL: 'soon' });
    expect(stderr).toContain('Invalid configuration:');
    expect(stderr).toContain('PORT must be an integer between 0 and 65535, got "abc"');
    expect(stderr).toContain('OUTBOX_POLL_INTERVAL must be a duration (e.g. 500ms, 30s, 5m, 1h, 14d), got "soon"');
  });

  it('an unknown module name in MODULES is a start-up error', async () => {
    const stderr = await startFails({ MODULES: 'probe,billing' });
    expect(stderr).toContain('MODULES names unknown module(s) "billing"; expected a comma-separated subset of: probe');
  });

  it('an unreachable DATABASE_URL is a clear start-up error', async () => {
    const stderr = await startFails({ DATABASE_URL: 'postgres://user:hunter2@127.0.0.1:1/nowhere' });
    expect(stderr).toMatch(/Cannot reach PostgreSQL at postgres:\/\/user:\*\*\*@127\.0\.0\.1:1\/nowhere \(DATABASE_URL\)/);
    expect(stderr).not.toContain('hunter2');
  });

  it('the build’s own module list rejects names it does not contain', async () => {
    await expect(createApp({ env: { ...TEST_ENV, DATABASE_URL: ctx.db.url, MODULES: 'nope' }, registry: FEATURE_MODULES })).rejects.toThrow(
      /MODULES names unknown module\(s\) "nope"/,
    );
  });
});

describe('MODULES decides what mounts', () => {
  const ctx = useTestApp({ probe: true, app: false });

  it('a module left out has no routes and no event handlers; the rest keeps working', async () => {
    const registry = { probe: probeFeature, other: { module: class OtherModule {} } };
    const without = await startTestApp(ctx.db, { registry, env: { MODULES: 'other' } });
    try {
      expect((await without.inject({ method: 'GET', url: '/v1/probe/conflict' })).statusCode).toBe(404);
      expect(without.get(OutboxDispatcher).subscriptions()).toEqual({});
      expect((await without.inject({ method: 'GET', url: '/health/ready' })).statusCode).toBe(200);
    } finally {
      await without.close();
    }
    const withIt = await startTestApp(ctx.db, { registry, env: { MODULES: 'probe' } });
    try {
      expect((await withIt.inject({ method: 'GET', url: '/v1/probe/conflict' })).statusCode).toBe(409);
      expect(withIt.get(OutboxDispatcher).subscriptions()).toMatchObject({ 'probe.note_created': ['probe.note-created-effect'] });
    } finally {
      await withIt.close();
    }
  });
});

describe('graceful shutdown', () => {
  const ctx = useTestApp({ probe: true, app: false });

  it('SIGTERM finishes in-flight requests, refuses new connections, and exits 0', async () => {
    const server = runTs('test/support/serve-child.ts', { ...TEST_ENV, DATABASE_URL: ctx.db.url, PORT: '0', HOST: '127.0.0.1' });
    const [, port] = await server.waitFor(/listening on 127\.0\.0\.1:(\d+)/);
    const base = `http://127.0.0.1:${port}`;
    expect((await fetch(`${base}/health/ready`)).status).toBe(200);

    const inFlight = fetch(`${base}/v1/probe/slow?ms=800`).then(async (r) => ({ status: r.status, body: await r.json() }));
    await new Promise((r) => setTimeout(r, 150)); // the request is being handled
    server.child.kill('SIGTERM');
    await server.waitFor(/SIGTERM received: shutting down/);

    expect(await inFlight).toEqual({ status: 200, body: { waited: 800 } });
    const { code, signal } = await server.exited;
    expect({ code, signal }).toEqual({ code: 0, signal: null });
    expect(server.stdout()).toContain('shut down cleanly');
    await expect(fetch(`${base}/health/live`)).rejects.toThrow();
  });
});
