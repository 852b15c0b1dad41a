import { Client } from 'pg';
import { seedMembers } from '../seed-members';

/**
 * The benchmark scenarios. Each issue that adds an endpoint with a budget adds its scenario here.
 * `setup` runs once against the started app (e.g. to create a user and log in) and may return
 * headers for every request.
 */
export interface ScenarioContext {
  baseUrl: string;
  /** The internal API's listener (INTERNAL_PORT). */
  internalUrl: string;
  /** The database the app runs on (as its owner), e.g. to read the development mailbox. */
  databaseUrl: string;
}

export interface Scenario {
  name: string;
  description: string;
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  body?: unknown;
  /** `bodies`: requests cycle through them (e.g. many users logging in rather than one, 20 times at once). */
  setup?: (ctx: ScenarioContext) => Promise<{ headers?: Record<string, string>; body?: unknown; bodies?: unknown[]; path?: string } | void>;
  /** Driven against the internal listener (INTERNAL_PORT) rather than the public one. */
  internal?: boolean;
  /** Also measure latency at half of the peak rate (the budgets' "p99 at half of peak load"). */
  halfLoad?: boolean;
  /** Compare throughput with the raw bcrypt-verify rate measured in the same run. */
  bcryptBound?: boolean;
}

const PASSWORD = 'bench passphrase that is long enough 1';

async function request(base: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return text ? (JSON.parse(text) as Record<string, unknown>) : {};
}

/** A verified account: registered over HTTP, its link read from the development mailbox. */
async function verifiedUser(ctx: ScenarioContext): Promise<{ email: string; password: string }> {
  const email = `bench.${Date.now()}.${Math.random().toString(36).slice(2)}@example.com`;
  await request(ctx.baseUrl, 'POST', '/v1/users', { email, password: PASSWORD });
  const db = new Client({ connectionString: ctx.databaseUrl });
  await db.connect();
  try {
    for (let i = 0; i < 100; i++) {
      const { rows } = await db.query<{ text: string }>(
        `SELECT text FROM kernel.dev_mailbox WHERE recipient = $1 AND kind = 'account.verify-email' ORDER BY id DESC LIMIT 1`,
        [email],
      );
      const token = rows[0] && /token=([A-Za-z0-9_-]+)/.exec(rows[0].text)?.[1];
      if (token) {
        await request(ctx.baseUrl, 'POST', '/v1/users/verify-email', { token });
        return { email, password: PASSWORD };
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  } finally {
    await db.end();
  }
  throw new Error('the verification mail did not arrive');
}

interface SeededOwner {
  tenantId: string;
  userId: string;
  headers: Record<string, string>;
}

/** The owner of the seeded 10k-member tenant, signed in: its id and a bearer header. */
async function seededTenantOwner(ctx: ScenarioContext): Promise<SeededOwner> {
  const user = await verifiedUser(ctx);
  const pair = await request(ctx.baseUrl, 'POST', '/v1/auth/login', user);
  const id = String((pair.user as { id: string }).id);
  const { tenantId } = await seedMembers(ctx.databaseUrl, { id, email: user.email });
  return { tenantId, userId: id, headers: { authorization: `Bearer ${String(pair.access_token)}` } };
}

let seeded: Promise<SeededOwner> | undefined;

/**
 * An API key with `authz:check` for a sibling service: a new account is made a platform operator
 * (in the database, as `cli bootstrap-admin` would, before it is ever authorised — no cached facts to
 * invalidate), registers an application and issues the key.
 */
async function serviceKey(ctx: ScenarioContext): Promise<string> {
  const operator = await verifiedUser(ctx);
  const db = new Client({ connectionString: ctx.databaseUrl });
  await db.connect();
  try {
    await db.query(
      `INSERT INTO access.platform_roles (user_id, role) SELECT id, 'platform-operator' FROM account.users WHERE email = $1 ON CONFLICT DO NOTHING`,
      [operator.email],
    );
  } finally {
    await db.end();
  }
  const pair = await request(ctx.baseUrl, 'POST', '/v1/auth/login', operator);
  const headers = { authorization: `Bearer ${String(pair.access_token)}` };
  const key = `bench-${Date.now().toString(36)}`;
  const application = await request(ctx.baseUrl, 'POST', '/v1/applications', { key, name: 'Benchmark service' }, headers);
  const issued = await request(
    ctx.baseUrl,
    'POST',
    `/v1/applications/${String(application.id)}/api-keys`,
    { name: 'bench', scopes: ['authz:check'] },
    headers,
  );
  return String(issued.secret);
}

export const SCENARIOS: Scenario[] = [
  { name: 'health-live', description: 'GET /health/live — the HTTP pipeline without I/O', path: '/health/live' },
  {
    name: 'health-ready',
    description: 'GET /health/ready — a PostgreSQL round trip (applied migrations) per request',
    path: '/health/ready',
  },
  {
    name: 'login',
    description: 'POST /v1/auth/login — bcrypt verify at the configured cost, a session, a token pair, an audit entry',
    method: 'POST',
    path: '/v1/auth/login',
    bcryptBound: true,
    // 40 accounts in turn, as a login load is: one account at a time each (a single account logged
    // into 20 times at once would meet the brute-force limiter, which counts attempts in flight).
    setup: async (ctx) => {
      const users = [];
      for (let i = 0; i < 40; i += 4) users.push(...(await Promise.all([0, 1, 2, 3].map(() => verifiedUser(ctx)))));
      return { bodies: users };
    },
  },
  {
    name: 'me',
    description: 'GET /v1/me — bearer token verification (EdDSA, revocation list) and the user row',
    path: '/v1/me',
    halfLoad: true,
    setup: async (ctx) => {
      const user = await verifiedUser(ctx);
      const pair = await request(ctx.baseUrl, 'POST', '/v1/auth/login', user);
      return { headers: { authorization: `Bearer ${String(pair.access_token)}` } };
    },
  },
  {
    name: 'authz-check',
    description: 'POST T/authz/check — the decision point (cached facts) for a member of a 10k-member tenant',
    method: 'POST',
    path: '/v1/tenants/{tenant_id}/authz/check',
    body: { permission: 'members:manage' },
    halfLoad: true,
    setup: async (ctx) => {
      seeded ??= seededTenantOwner(ctx);
      const { tenantId, headers } = await seeded;
      return { headers, path: `/v1/tenants/${tenantId}/authz/check` };
    },
  },
  {
    name: 'internal-authz-check',
    description: 'POST /internal/v1/authz/check — the same decision for a sibling service with an API key, on INTERNAL_PORT',
    method: 'POST',
    path: '/internal/v1/authz/check',
    internal: true,
    halfLoad: true,
    setup: async (ctx) => {
      seeded ??= seededTenantOwner(ctx);
      const owner = await seeded;
      const key = await serviceKey(ctx);
      return {
        headers: { authorization: `Bearer ${key}` },
        body: { user_id: owner.userId, tenant_id: owner.tenantId, permission: 'members:manage' },
      };
    },
  },
  {
    name: 'tenant-profile',
    description: 'GET T/profile — the effective profile (global profile + tenant layer, one query) of a member of a 10k-member tenant',
    path: '/v1/tenants/{tenant_id}/profile',
    halfLoad: true,
    setup: async (ctx) => {
      seeded ??= seededTenantOwner(ctx);
      const { tenantId, headers } = await seeded;
      // Both layers hold values, so the overlay does real work.
      await request(
        ctx.baseUrl,
        'PATCH',
        '/v1/profile',
        { display_name: 'Bench Owner', locale: 'en-GB', timezone: 'Europe/Paris' },
        headers,
      );
      await request(ctx.baseUrl, 'PATCH', `/v1/tenants/${tenantId}/profile`, { display_name: 'Owner (Bench)', title: 'Owner' }, headers);
      return { headers, path: `/v1/tenants/${tenantId}/profile` };
    },
  },
  {
    name: 'list-members',
    description: 'GET T/members?limit=20 — the first page of a tenant with 10k members among 100k users',
    path: '/v1/tenants/{tenant_id}/members?limit=20',
    halfLoad: true,
    setup: async (ctx) => {
      seeded ??= seededTenantOwner(ctx);
      const { tenantId, headers } = await seeded;
      return { headers, path: `/v1/tenants/${tenantId}/members?limit=20` };
    },
  },
  {
    name: 'list-members-search',
    description: 'GET T/members?email=seed.0421&limit=20 — an email-prefix search in the same tenant',
    path: '/v1/tenants/{tenant_id}/members?email=seed.0421&limit=20',
    setup: async (ctx) => {
      seeded ??= seededTenantOwner(ctx);
      const { tenantId, headers } = await seeded;
      return { headers, path: `/v1/tenants/${tenantId}/members?email=seed.0421&limit=20` };
    },
  },
];
