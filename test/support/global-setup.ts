import { Client } from 'pg';
import { Socket } from 'node:net';
// Relative imports: global setup runs outside Jest's module mapper, in plain Node.
import { EmbeddedPostgres, pidAlive } from '../../libs/kernel/src/database/embedded-postgres';
import { Migrator } from '../../libs/kernel/src/database/migrator';
import { MIGRATIONS } from '../../migrations';

/**
 * Once per test run: pick the PostgreSQL server (TEST_DATABASE_URL, or an embedded one under
 * .data/test-postgres), create a template database and migrate it. Every suite then clones the
 * template, which takes milliseconds and keeps suites independent.
 */
export default async function globalSetup(): Promise<void> {
  let admin = process.env.TEST_DATABASE_URL;
  if (!admin) {
    const pg = await EmbeddedPostgres.start({
      dir: process.env.UE_TEST_EMBEDDED_DIR ?? '.data/test-postgres',
      // Below the ephemeral range (32768–60999): an outgoing connection of an earlier run cannot hold it.
      port: Number(process.env.UE_TEST_EMBEDDED_PORT ?? 25330),
      database: 'postgres',
    });
    (globalThis as { __UE_EMBEDDED__?: EmbeddedPostgres }).__UE_EMBEDDED__ = pg;
    admin = pg.url;
  }
  const template = `ue_test_${process.pid}`;
  const client = new Client({ connectionString: admin });
  await client.connect();
  try {
    // Databases left by runs that were killed (their process is gone) are dropped first.
    const { rows } = await client.query<{ datname: string }>(`SELECT datname FROM pg_database WHERE datname ~ '^ue_test_[0-9]+'`);
    for (const { datname } of rows) {
      const pid = Number(/^ue_test_(\d+)/.exec(datname)![1]);
      if (pid !== process.pid && !pidAlive(pid)) await client.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
    }
    await client.query(`DROP DATABASE IF EXISTS "${template}" WITH (FORCE)`);
    await client.query(`CREATE DATABASE "${template}"`);
  } finally {
    await client.end();
  }
  const url = new URL(admin);
  url.pathname = `/${template}`;
  await new Migrator(url.toString(), MIGRATIONS).up();
  // NATS is needed only by the relay suite: it runs when a server answers (always under CI).
  const nats = new URL(process.env.TEST_NATS_URL ?? 'nats://127.0.0.1:4222');
  process.env.UE_TEST_NATS = process.env.CI || (await reachable(nats.hostname, Number(nats.port || 4222))) ? '1' : '';
  process.env.UE_TEST_ADMIN_URL = admin;
  process.env.UE_TEST_TEMPLATE = template;
}

function reachable(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('error', () => done(false));
    socket.connect(port, host, () => done(true));
  });
}
