import { InternalListener } from '@user-engine/kernel';
import type { AddressInfo } from 'node:net';
import { post } from './account';
import type { SignedIn } from './account';
import type { TestApp } from './test-app';

/** Where a test app listens for real: the public port and the internal API's port. */
export interface Listening {
  publicUrl: string;
  internalUrl: string;
}

/** The paths of the internal OpenAPI document: the internal API's routes plus the shared health probes. */
export const INTERNAL_DOCUMENT_PATHS = [
  '/health/live',
  '/health/ready',
  '/internal/v1/authz/check',
  '/internal/v1/subscriptions/{id}/payments',
  '/internal/v1/tenants/{tenant_id}/entitlements',
  '/internal/v1/tenants/{tenant_id}/members',
  '/internal/v1/tenants/{tenant_id}/members/{user_id}',
  '/internal/v1/users',
  '/internal/v1/users/batch',
  '/internal/v1/users/{id}',
  '/internal/v1/users/{id}/identities',
  '/internal/v1/users/{id}/profile',
];

export interface HttpResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
  json<T = Record<string, unknown>>(): T;
}

/**
 * Starts both listeners of a test app on ephemeral loopback ports (idempotent). The internal API is
 * only reachable through the internal listener, so its tests go over real HTTP.
 */
export async function listen(t: TestApp): Promise<Listening> {
  const known = (t as TestApp & { listening?: Listening }).listening;
  if (known) return known;
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  const publicPort = (t.app.getHttpServer().address() as AddressInfo).port;
  const internalPort = await t.app.get(InternalListener).listen(0, '127.0.0.1');
  const listening = { publicUrl: `http://127.0.0.1:${publicPort}`, internalUrl: `http://127.0.0.1:${internalPort}` };
  (t as TestApp & { listening?: Listening }).listening = listening;
  return listening;
}

/** One HTTP request; `payload` (when given) is sent as JSON unless it is a string. */
export async function call(
  baseUrl: string,
  options: { method?: string; url: string; headers?: Record<string, string>; payload?: unknown },
): Promise<HttpResponse> {
  const headers: Record<string, string> = { ...options.headers };
  let body: string | undefined;
  if (options.payload !== undefined) {
    body = typeof options.payload === 'string' ? options.payload : JSON.stringify(options.payload);
    headers['content-type'] ??= 'application/json';
  }
  const res = await fetch(`${baseUrl}${options.url}`, { method: options.method ?? 'GET', headers, body });
  const text = await res.text();
  return {
    statusCode: res.status,
    headers: Object.fromEntries(res.headers.entries()),
    body: text,
    json: <T>() => JSON.parse(text) as T,
  };
}

/** A request to the internal API with an API key (or any Authorization value, or none). */
export function internal(
  l: Listening,
  method: string,
  url: string,
  options: { key?: string; authorization?: string; payload?: unknown; headers?: Record<string, string> } = {},
): Promise<HttpResponse> {
  const authorization = options.authorization ?? (options.key ? `Bearer ${options.key}` : undefined);
  return call(l.internalUrl, {
    method,
    url,
    payload: options.payload,
    headers: { ...(authorization ? { authorization } : {}), ...options.headers },
  });
}

export interface RegisteredApplication {
  id: string;
  key: string;
}

let applications = 0;

/** Registers an application as `operator` (a platform operator). */
export async function registerApplication(t: TestApp, operator: SignedIn, key?: string): Promise<RegisteredApplication> {
  const appKey = key ?? `app${Date.now().toString(36)}${(applications++).toString(36)}`;
  const res = await post(t, '/v1/applications', { key: appKey, name: `Application ${appKey}` }, operator.accessToken);
  if (res.statusCode !== 201) throw new Error(`register application: ${res.statusCode} ${res.body}`);
  return { id: res.json<{ id: string }>().id, key: appKey };
}

export interface IssuedKey {
  id: string;
  secret: string;
  prefix: string;
  scopes: string[];
  tenant_id: string | null;
}

/** Issues an API key for `applicationId` (all internal scopes unless given). */
export async function createApiKey(
  t: TestApp,
  operator: SignedIn,
  applicationId: string,
  options: { scopes?: string[]; tenant_id?: string | null; expires_at?: string | null; name?: string } = {},
): Promise<IssuedKey> {
  const res = await post(
    t,
    `/v1/applications/${applicationId}/api-keys`,
    {
      name: options.name ?? 'test key',
      scopes:
        options.scopes ??
        (options.tenant_id
          ? ['users:read', 'members:read', 'authz:check']
          : ['users:read', 'members:read', 'authz:check', 'identities:link']),
      ...(options.tenant_id !== undefined ? { tenant_id: options.tenant_id } : {}),
      ...(options.expires_at !== undefined ? { expires_at: options.expires_at } : {}),
    },
    operator.accessToken,
  );
  if (res.statusCode !== 201) throw new Error(`create api key: ${res.statusCode} ${res.body}`);
  return res.json<IssuedKey>();
}
