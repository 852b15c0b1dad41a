import { createServer, Server } from 'node:net';
import { rmSync, writeFileSync } from 'node:fs';
import { runTs } from './support/child-process';
import { join } from 'node:path';
import { Client } from 'pg';
import { EmbeddedPostgres, EmbeddedPostgresError } from '@user-engine/kernel';

const DIR = join(__dirname, '..', '.data', `embedded-test-${process.pid}`);

async function sql(url: string, text: string): Promise<Record<string, unknown>[]> {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query(text)).rows;
  } finally {
    await c.end();
  }
}

// Fixed ports below the ephemeral range (32768–60999 on Linux): a port other suites' listen(0) or
// outgoing connections can never take by chance.
describe('embedded PostgreSQL', () => {
  afterAll(() => {
    for (const p of [DIR, `${DIR}.password`, `${DIR}.log`, `${DIR}.owner`]) rmSync(p, { recursive: true, force: true });
  });

  it('initialises on first start, keeps the data across a restart, and adopts a running server', async () => {
    const first = await EmbeddedPostgres.start({ dir: DIR, port: 25341 });
    expect(first.owned).toBe(true);
    expect(first.url).toMatch(/^postgres:\/\/postgres:[^@]+@127\.0\.0\.1:25341\/user_engine$/);
    await sql(first.url, `CREATE TABLE kept (v text); INSERT INTO kept VALUES ('still here')`);

    // Another process using the running server (the CLI while the API runs) does not own it…
    const user = runTs('test/support/embedded-user-child.ts', { DIR, PORT: '25341' });
    expect((await user.exited).code).toBe(0);
    expect(user.stdout()).toContain('owned=false');
    expect(await sql(first.url, 'SELECT 1 AS ok')).toEqual([{ ok: 1 }]); // …and left it running

    await first.stop();
    await expect(sql(first.url, 'SELECT 1')).rejects.toThrow();

    const second = await EmbeddedPostgres.start({ dir: DIR, port: 25341 });
    try {
      expect(second.owned).toBe(true);
      expect(await sql(second.url, 'SELECT v FROM kept')).toEqual([{ v: 'still here' }]);
      // only loopback, and password authentication
      const noPassword = second.url.replace(/:[^:@/]+@/, ':wrong@');
      await expect(sql(noPassword, 'SELECT 1')).rejects.toMatchObject({ code: '28P01' });
    } finally {
      await second.stop();
    }
  });

  it('a server left behind by a crashed owner is adopted, owned and stopped by the next process', async () => {
    const orphan = await EmbeddedPostgres.start({ dir: DIR, port: 25341 });
    writeFileSync(`${DIR}.owner`, '999999'); // the owner died without stopping it
    const adopter = runTs('test/support/embedded-user-child.ts', { DIR, PORT: '25341', RELEASE: '1' });
    expect((await adopter.exited).code).toBe(0);
    expect(adopter.stdout()).toContain('owned=true');
    await expect(sql(orphan.url, 'SELECT 1')).rejects.toThrow(); // stopped on release
  });

  it('a taken port is a clear error', async () => {
    const blocker: Server = createServer();
    await new Promise<void>((r) => blocker.listen(25342, '127.0.0.1', () => r()));
    try {
      await expect(EmbeddedPostgres.start({ dir: `${DIR}-port`, port: 25342 })).rejects.toThrow(EmbeddedPostgresError);
      await expect(EmbeddedPostgres.start({ dir: `${DIR}-port`, port: 25342 })).rejects.toThrow(
        /did not start on port 25342 \(is the port taken\?/,
      );
    } finally {
      blocker.close();
      for (const p of [`${DIR}-port`, `${DIR}-port.password`, `${DIR}-port.log`]) rmSync(p, { recursive: true, force: true });
    }
  });
});
