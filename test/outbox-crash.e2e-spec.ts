import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { OutboxDispatcher } from '@user-engine/kernel';
import { probeFeature } from './support/probe/probe.module';
import { PROBE_SCHEMA_SQL } from './support/probe/probe.sql';
import { createTestDatabase, TestDatabase } from './support/test-database';
import { eventually, startTestApp, TEST_ENV } from './support/test-app';

const TENANT = '0190a4d6-dddd-7000-8000-00000000000d';
const ROOT = join(__dirname, '..');

/** Runs the crash child until it reports its commit, then kills it with SIGKILL. */
function commitAndGetKilled(db: TestDatabase): Promise<{ noteId: string; signal: NodeJS.Signals | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-r', './test/support/ts-register.js', 'test/support/crash-child.ts'], {
      cwd: ROOT,
      env: {
        ...process.env,
        ...TEST_ENV,
        LOG_LEVEL: 'silent',
        DATABASE_URL: db.url,
        OUTBOX_DISPATCHER_ENABLED: 'false',
        CRASH_TENANT: TENANT,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    let noteId: string | undefined;
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /COMMITTED (\S+)/.exec(out);
      if (m && !noteId) {
        noteId = m[1];
        child.kill('SIGKILL'); // no graceful shutdown, no chance to dispatch
      }
    });
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('exit', (_code, signal) => (noteId ? resolve({ noteId, signal }) : reject(new Error(`child exited early: ${err}`))));
  });
}

describe('outbox crash safety', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase();
    await db.query(PROBE_SCHEMA_SQL);
  });
  afterAll(() => db?.drop());

  it('an event committed just before the process is killed is delivered exactly once after restart', async () => {
    const { noteId, signal } = await commitAndGetKilled(db);
    expect(signal).toBe('SIGKILL');

    // The business row and its event were committed together; nothing was delivered.
    expect(await db.query(`SELECT text FROM probe.notes WHERE id = $1`, [noteId])).toEqual([{ text: 'before the crash' }]);
    const [event] = await db.query<{ id: string; status: string }>(`SELECT id, status FROM kernel.outbox`);
    expect(event.status).toBe('pending');
    expect(await db.query(`SELECT * FROM kernel.inbox`)).toEqual([]);
    expect(await db.query(`SELECT * FROM probe.effects`)).toEqual([]);

    // Restart: the dispatcher finds the row and the handler runs once.
    const restarted = await startTestApp(db, { extra: [probeFeature] });
    try {
      await eventually(
        async () =>
          (await db.query<{ status: string }>(`SELECT status FROM kernel.outbox WHERE id = $1`, [event.id]))[0].status === 'delivered',
      );
      expect(restarted.get(OutboxDispatcher).stats.delivered).toBe(1);
    } finally {
      await restarted.close();
    }
    // A second restart delivers nothing again.
    const again = await startTestApp(db, { extra: [probeFeature] });
    try {
      await again.get(OutboxDispatcher).dispatchBatch();
      expect(again.get(OutboxDispatcher).stats.delivered).toBe(0);
    } finally {
      await again.close();
    }
    expect(await db.query(`SELECT event_id FROM probe.effects`)).toEqual([{ event_id: event.id }]);
    expect(await db.query(`SELECT event_id FROM kernel.inbox`)).toEqual([{ event_id: event.id }]);
  });
});
