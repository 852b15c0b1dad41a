/**
 * `npm run bench`: starts the API against the database it is given (BENCH_DATABASE_URL, else
 * DATABASE_URL, else the embedded PostgreSQL) and the baselines in child processes, drives every
 * scenario with autocannon, prints a table and writes bench/results/latest.json.
 *
 *   BENCH_DURATION (s, default 10)  BENCH_CONNECTIONS (default 20)  BENCH_WARMUP (s, default 3)  BENCH_ONLY=name,name
 *   ACCOUNT_BCRYPT_COST (default 12): the cost the app hashes with and the raw bcrypt baseline uses.
 */
import autocannon from 'autocannon';
import { ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { compare, hash } from 'bcrypt';
import { EmbeddedPostgres } from '@user-engine/kernel';
import { Scenario, SCENARIOS } from './scenarios';

// Run compiled (npm run bench builds first) so memory and speed are those of production; the
// TypeScript sources work too, through the test loader.
const COMPILED = __filename.endsWith('.js');
const ROOT = COMPILED ? join(__dirname, '..', '..') : join(__dirname, '..');

function entry(file: string): string[] {
  return COMPILED ? [join(ROOT, 'dist', file.replace(/\.ts$/, '.js'))] : ['-r', './test/support/ts-register.js', file];
}
const DURATION = Number(process.env.BENCH_DURATION ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 20);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 3);

interface Server {
  name: string;
  child: ChildProcess;
  baseUrl: string;
  /** The internal API's listener, when the server has one (User Engine). */
  internalUrl: string;
  startupMs: number;
}

function start(name: string, file: string, env: Record<string, string | undefined>): Promise<Server> {
  const begun = Date.now();
  const child = spawn(process.execPath, entry(file), {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on [^:\s]+:(\d+)/.exec(out);
      if (m) {
        const internal = /internal API on [^:\s]+:(\d+)/.exec(out);
        child.stdout!.removeAllListeners('data');
        child.stdout!.resume(); // keep draining
        resolve({
          name,
          child,
          baseUrl: `http://127.0.0.1:${m[1]}`,
          internalUrl: `http://127.0.0.1:${internal?.[1] ?? m[1]}`,
          startupMs: Date.now() - begun,
        });
      }
    });
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    child.on('exit', (code) => reject(new Error(`${name} exited (${code}) before listening: ${err.slice(-2000)}`)));
  });
}

async function stop(server: Server): Promise<number | null> {
  const exited = new Promise<number | null>((resolve) => server.child.on('exit', (code) => resolve(code)));
  server.child.kill('SIGTERM');
  return exited;
}

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return Math.round(kb / 102.4) / 10;
}

interface Row {
  scenario: string;
  target: string;
  requests_per_sec: number;
  p50_ms: number;
  /** autocannon's nearest percentile above p95 (it reports 90, 97.5 and 99). */
  p97_5_ms: number;
  p99_ms: number;
  errors: number;
  non_2xx: number;
  ratio_to_fastify?: number;
  ratio_to_nest?: number;
  /** For bcrypt-bound scenarios: throughput over the raw bcrypt-verify rate of this run. */
  ratio_to_bcrypt?: number;
}

/**
 * The machine's raw bcrypt-verify rate at `cost`: as many verifications in flight as the libuv pool
 * has threads (the app verifies on the same pool), for `seconds`.
 */
async function bcryptVerifyRate(cost: number, seconds: number): Promise<number> {
  const stored = await hash('a password of typical length', cost);
  const threads = Number(process.env.UV_THREADPOOL_SIZE ?? 4);
  const deadline = Date.now() + seconds * 1000;
  let done = 0;
  const worker = async () => {
    while (Date.now() < deadline) {
      await compare('a password of typical length', stored);
      // Counted like autocannon counts requests: completed within the window.
      if (Date.now() <= deadline) done++;
    }
  };
  await Promise.all(Array.from({ length: threads }, worker));
  return done / seconds;
}

async function drive(
  name: string,
  target: string,
  url: string,
  scenario: Pick<Scenario, 'method' | 'body'>,
  headers: Record<string, string> = {},
  overallRate?: number,
  bodies?: unknown[],
  duration = DURATION,
): Promise<Row> {
  let next = 0;
  const options = (seconds: number): autocannon.Options => ({
    url,
    method: scenario.method ?? 'GET',
    connections: CONNECTIONS,
    duration: seconds,
    overallRate,
    headers: scenario.body || bodies ? { 'content-type': 'application/json', ...headers } : headers,
    body: scenario.body ? JSON.stringify(scenario.body) : undefined,
    requests: bodies ? [{ setupRequest: (req) => ({ ...req, body: JSON.stringify(bodies[next++ % bodies.length]) }) }] : undefined,
  });
  // Unrecorded warm-up: every target is measured with its code paths compiled by the JIT, whatever
  // ran before it (bcrypt-bound routes need none: the hash dominates).
  if (!bodies) await autocannon(options(WARMUP));
  const result = await autocannon(options(duration));
  return {
    scenario: name,
    target,
    // Completed requests over the measured time, to 0.1/s (a bcrypt-bound route does ~10/s).
    requests_per_sec: Math.round((result.requests.total / result.duration) * 10) / 10,
    p50_ms: result.latency.p50,
    p97_5_ms: result.latency.p97_5,
    p99_ms: result.latency.p99,
    errors: result.errors + result.timeouts,
    non_2xx: result.non2xx,
  };
}

function table(rows: Row[]): string {
  const head = ['scenario', 'req/s', 'p50 ms', 'p97.5 ms', 'p99 ms', 'errors', 'non-2xx', 'vs fastify', 'vs nest', 'vs bcrypt'];
  const body = rows.map((r) => [
    r.scenario,
    String(r.requests_per_sec),
    String(r.p50_ms),
    String(r.p97_5_ms),
    String(r.p99_ms),
    String(r.errors),
    String(r.non_2xx),
    r.ratio_to_fastify === undefined ? '' : r.ratio_to_fastify.toFixed(2),
    r.ratio_to_nest === undefined ? '' : r.ratio_to_nest.toFixed(2),
    r.ratio_to_bcrypt === undefined ? '' : r.ratio_to_bcrypt.toFixed(2),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  return [line(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...body.map(line)].join('\n');
}

async function main(): Promise<void> {
  const only = process.env.BENCH_ONLY?.split(',').map((s) => s.trim());
  const scenarios = SCENARIOS.filter((s) => !only || only.includes(s.name));
  const cost = Number(process.env.ACCOUNT_BCRYPT_COST ?? 12);
  // The scenarios read the development mailbox, so the runner needs the database URL: with none
  // given it starts (or joins) the embedded PostgreSQL itself and hands its URL to the app.
  const embedded =
    process.env.BENCH_DATABASE_URL || process.env.DATABASE_URL
      ? undefined
      : await EmbeddedPostgres.start({
          dir: join(ROOT, '.data', 'postgres'),
          port: Number(process.env.DATABASE_EMBEDDED_PORT ?? 54329),
        });
  const databaseUrl = process.env.BENCH_DATABASE_URL ?? process.env.DATABASE_URL ?? embedded!.url;
  console.log(
    `User Engine benchmark: ${DURATION}s × ${CONNECTIONS} connections per scenario; ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB`,
  );
  console.log(
    `database: ${embedded ? 'embedded PostgreSQL (.data/postgres)' : databaseUrl.replace(/:[^:@/]+@/, ':***@')}; bcrypt cost ${cost}`,
  );

  const fastify = await start('baseline:fastify', 'bench/baseline-server.ts', { BASELINE: 'fastify' });
  const nest = await start('baseline:nest', 'bench/baseline-server.ts', { BASELINE: 'nest' });
  const app = await start('user-engine', 'apps/api/src/main.ts', {
    PORT: '0',
    HOST: '127.0.0.1',
    INTERNAL_PORT: '0',
    INTERNAL_HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    DATABASE_URL: databaseUrl,
    ACCOUNT_BCRYPT_COST: String(cost),
    // A benchmark hammers one account from one address by design; it measures, it does not attack.
    ACCOUNT_LOGIN_IP_MAX_FAILURES: '100000',
    ACCOUNT_MAIL_MAX_PER_IP: '100000',
  });
  const idleRss = rssMb(app.child.pid!);
  const rows: Row[] = [];
  const bcryptRates: number[] = [];
  try {
    const base = await drive('baseline: bare fastify', 'fastify', `${fastify.baseUrl}/ping`, {});
    await stop(fastify);
    const nestRow = await drive('baseline: bare nest+fastify', 'nest', `${nest.baseUrl}/ping`, {});
    await stop(nest);
    rows.push(base, nestRow);
    for (const s of scenarios) {
      const prepared = (await s.setup?.({ baseUrl: app.baseUrl, internalUrl: app.internalUrl, databaseUrl })) ?? {};
      const target = s.internal ? app.internalUrl : app.baseUrl;
      const request = { method: s.method, body: prepared.body ?? s.body };
      // The raw bcrypt rate is measured right before the scenario it bounds, for the same window.
      // ~10 logins/s: a longer window keeps one request more or less from moving the ratio much.
      const duration = s.bcryptBound ? Math.max(DURATION, 20) : DURATION;
      const bcryptRate = s.bcryptBound ? await bcryptVerifyRate(cost, duration) : undefined;
      if (bcryptRate !== undefined) {
        console.log(`raw bcrypt verify rate at cost ${cost}: ${bcryptRate.toFixed(1)}/s`);
        bcryptRates.push(bcryptRate);
      }
      const path = prepared.path ?? s.path;
      const row = await drive(s.name, 'app', `${target}${path}`, request, prepared.headers, undefined, prepared.bodies, duration);
      if (bcryptRate !== undefined) row.ratio_to_bcrypt = row.requests_per_sec / bcryptRate;
      rows.push(row);
      if (s.halfLoad) {
        const half = Math.max(1, Math.round(row.requests_per_sec / 2));
        rows.push(await drive(`${s.name} @ half peak (${half}/s)`, 'app', `${target}${path}`, request, prepared.headers, half));
      }
    }
    for (const r of rows) {
      r.ratio_to_fastify = r.requests_per_sec / base.requests_per_sec;
      r.ratio_to_nest = r.requests_per_sec / nestRow.requests_per_sec;
    }
  } finally {
    const loadedRss = rssMb(app.child.pid!);
    const exitCode = await stop(app);
    const summary = {
      date: new Date().toISOString(),
      node: process.version,
      cores: cpus().length,
      duration_s: DURATION,
      connections: CONNECTIONS,
      database: embedded ? 'embedded' : 'external',
      bcrypt: { cost, raw_verify_per_sec: bcryptRates.map((r) => Math.round(r * 10) / 10) },
      app: { startup_ms: app.startupMs, idle_rss_mb: idleRss, rss_after_load_mb: loadedRss, shutdown_exit_code: exitCode },
      results: rows,
    };
    console.log(`\n${table(rows)}\n`);
    console.log(`app: started in ${app.startupMs} ms; RSS idle ${idleRss} MB, after load ${loadedRss} MB; SIGTERM exit code ${exitCode}`);
    mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
    writeFileSync(join(ROOT, 'bench', 'results', 'latest.json'), `${JSON.stringify(summary, null, 2)}\n`);
    console.log('results written to bench/results/latest.json');
    await embedded?.release();
  }
}

main().catch((err: Error) => {
  console.error(err.message);
  process.exit(1);
});
