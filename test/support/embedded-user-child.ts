// A second process using the embedded PostgreSQL of DIR: reports whether it owns it; with RELEASE=1
// it releases it (stopping it only if it owns it).
import { EmbeddedPostgres } from '../../libs/kernel/src/database/embedded-postgres';

async function main(): Promise<void> {
  const pg = await EmbeddedPostgres.start({ dir: process.env.DIR as string, port: Number(process.env.PORT) });
  process.stdout.write(`owned=${pg.owned}\n`);
  if (process.env.RELEASE) await pg.release();
}

main().catch((err: Error) => {
  process.stderr.write(`${err.message}\n`);
  process.exit(1);
});
