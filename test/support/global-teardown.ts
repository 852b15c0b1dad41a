import { Client } from 'pg';
import type { EmbeddedPostgres } from '../../libs/kernel/src/database/embedded-postgres';

/** Drops the template and any suite database left behind, and stops the embedded server. */
export default async function globalTeardown(): Promise<void> {
  const admin = process.env.UE_TEST_ADMIN_URL;
  const template = process.env.UE_TEST_TEMPLATE;
  if (admin && template) {
    const client = new Client({ connectionString: admin });
    await client.connect();
    try {
      const { rows } = await client.query<{ datname: string }>(`SELECT datname FROM pg_database WHERE datname = $1 OR datname LIKE $2`, [
        template,
        `${template}\\_%`,
      ]);
      for (const { datname } of rows) await client.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
    } finally {
      await client.end();
    }
  }
  await (globalThis as { __UE_EMBEDDED__?: EmbeddedPostgres }).__UE_EMBEDDED__?.release();
}
