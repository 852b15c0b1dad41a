import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import {
  AccessGate,
  AuditLog,
  ChangeFeed,
  clientInfoOf,
  type DomainError,
  hashSecureToken,
  type ServiceAuthenticator,
  type ServicePrincipal,
} from '@user-engine/kernel';
import { accessConfig, type AccessConfig } from './access.config';
import { AccessErrors } from './access.errors';
import { API_KEY_FORMAT, apiKeyPrefix } from './domain/api-key-secret';
import { type ApiKeyCredential, ApiKeysRepository } from './persistence/api-keys.repository';

/** Change-feed channel of API keys and applications: any change drops every cached credential. */
export const API_KEY_CHANGES = 'access_api_key_changes';

type Rejection = 'missing' | 'user_token' | 'malformed' | 'unknown' | 'revoked' | 'expired' | 'application_disabled';

interface CachedCredential {
  promise: Promise<ApiKeyCredential | undefined>;
  loadedAt: number;
}

/** Entries kept per table before the oldest are dropped (credentials, failure counters). */
const MAX_ENTRIES = 10_000;
/** A key's last use is written at most this often: a busy key must not cost a write per request. */
const TOUCH_INTERVAL = 60_000;

/**
 * Authenticates internal-API callers by API key, for the kernel's guard. A key is looked up by the
 * SHA-256 of what was presented and cached per process; revoking a key or disabling its application
 * signals API_KEY_CHANGES, which clears the cache here at commit and on every other process on
 * NOTIFY, so revocation is immediate everywhere. Expiry is checked on every request. Every failed
 * use is audited and counted per client address; past the limit the address gets 429 (and no more
 * audit entries) until the window ends.
 */
@Injectable()
export class ApiKeyAuthenticator implements ServiceAuthenticator, OnModuleInit {
  private readonly logger = new Logger('ApiKeys');
  private credentials = new Map<string, CachedCredential>();
  private readonly failures = new Map<string, { count: number; resetAt: number }>();
  private readonly touched = new Map<string, number>();

  constructor(
    private readonly gate: AccessGate,
    private readonly keys: ApiKeysRepository,
    private readonly audit: AuditLog,
    private readonly changes: ChangeFeed,
    @Inject(accessConfig.KEY) private readonly config: AccessConfig,
  ) {}

  onModuleInit(): void {
    this.gate.useServiceAuthenticator(this);
    const clear = () => {
      this.credentials = new Map();
    };
    this.changes.listen(API_KEY_CHANGES, { onChange: clear, onResync: clear });
  }

  async authenticate(request: FastifyRequest, need: { scope: string; tenantId?: string }): Promise<ServicePrincipal> {
    const now = Date.now();
    const counter = this.failures.get(request.ip);
    if (counter && counter.resetAt > now && counter.count >= this.config.apiKeyFailureLimit) {
      throw AccessErrors.apiKeyThrottled(Math.max(1, Math.ceil((counter.resetAt - now) / 1000)));
    }
    const header = request.headers.authorization;
    const presented = typeof header === 'string' ? /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header)?.[1] : undefined;
    if (!presented) return this.reject(request, 'missing', AccessErrors.apiKeyRequired());
    if (!API_KEY_FORMAT.test(presented)) {
      return /^[\w-]+\.[\w-]+\.[\w-]*$/.test(presented)
        ? this.reject(
            request,
            'user_token',
            AccessErrors.apiKeyRequired('The internal API accepts API keys only, never user access tokens.'),
          )
        : this.reject(request, 'malformed', AccessErrors.apiKeyInvalid());
    }
    const key = await this.credential(presented);
    if (!key) return this.reject(request, 'unknown', AccessErrors.apiKeyInvalid(), presented);
    if (key.revoked_at) return this.reject(request, 'revoked', AccessErrors.apiKeyRevoked(), presented, key);
    if (key.expires_at && key.expires_at.getTime() <= now)
      return this.reject(request, 'expired', AccessErrors.apiKeyExpired(), presented, key);
    if (key.application_status !== 'active') {
      return this.reject(request, 'application_disabled', AccessErrors.apiKeyApplicationDisabled(), presented, key);
    }
    this.touch(key.id, now);
    const service: ServicePrincipal = {
      kind: 'service',
      applicationId: key.application_id,
      applicationKey: key.application_key,
      keyId: key.id,
      scopes: key.scopes,
      tenantId: key.tenant_id,
    };
    if (!key.scopes.includes(need.scope)) await this.deny(request, service, AccessErrors.apiKeyScope(need.scope), { scope: need.scope });
    if (need.tenantId) await this.assertTenant(request, service, need.tenantId);
    return service;
  }

  /** A key bound to one tenant asks only about that tenant (routes with the tenant in the body call this too). */
  async assertTenant(request: FastifyRequest, service: ServicePrincipal, tenantId: string): Promise<void> {
    if (service.tenantId && service.tenantId !== tenantId) {
      await this.deny(request, service, AccessErrors.apiKeyTenant(), { tenant_id: tenantId });
    }
  }

  private credential(presented: string): Promise<ApiKeyCredential | undefined> {
    const hash = hashSecureToken(presented);
    const id = hash.toString('base64');
    const cached = this.credentials.get(id);
    if (cached && Date.now() - cached.loadedAt < this.config.cacheTtl) return cached.promise;
    const entry: CachedCredential = { loadedAt: Date.now(), promise: this.keys.findCredential(hash) };
    const credentials = this.credentials;
    entry.promise.then(
      // Unknown secrets are not kept: anyone can present any number of them.
      (found) => !found && credentials.get(id) === entry && credentials.delete(id),
      () => credentials.get(id) === entry && credentials.delete(id),
    );
    if (credentials.size >= MAX_ENTRIES) credentials.delete(credentials.keys().next().value as string);
    credentials.set(id, entry);
    return entry.promise;
  }

  private touch(keyId: string, now: number): void {
    const last = this.touched.get(keyId);
    if (last !== undefined && now - last < TOUCH_INTERVAL) return;
    if (this.touched.size >= MAX_ENTRIES) this.touched.clear();
    this.touched.set(keyId, now);
    this.keys.touch(keyId).catch((err: Error) => this.logger.warn(`could not record the use of API key ${keyId}: ${err.message}`));
  }

  private async reject(
    request: FastifyRequest,
    reason: Rejection,
    error: DomainError,
    presented?: string,
    key?: ApiKeyCredential,
  ): Promise<never> {
    const now = Date.now();
    let counter = this.failures.get(request.ip);
    if (!counter || counter.resetAt <= now) {
      if (this.failures.size >= MAX_ENTRIES) this.failures.delete(this.failures.keys().next().value as string);
      counter = { count: 0, resetAt: now + this.config.apiKeyFailureWindow };
      this.failures.set(request.ip, counter);
    }
    counter.count++;
    const client = clientInfoOf(request);
    await this.audit.append({
      actor: key ? { type: 'service', id: key.application_id } : { type: 'anonymous' },
      action: 'api_key.rejected',
      outcome: 'failure',
      resource: key ? { type: 'api_key', id: key.id } : undefined,
      ip: client.ip,
      userAgent: client.userAgent,
      data: { reason, prefix: presented ? apiKeyPrefix(presented) : null, path: request.url.split('?', 1)[0] },
    });
    if (counter.count === this.config.apiKeyFailureLimit) {
      await this.audit.append({
        actor: { type: 'anonymous' },
        action: 'api_key.throttled',
        outcome: 'denied',
        ip: client.ip,
        userAgent: client.userAgent,
        data: { failures: counter.count, window_ms: this.config.apiKeyFailureWindow },
      });
    }
    throw error;
  }

  private async deny(
    request: FastifyRequest,
    service: ServicePrincipal,
    error: DomainError,
    data: Record<string, unknown>,
  ): Promise<never> {
    const client = clientInfoOf(request);
    await this.audit.append({
      actor: { type: 'service', id: service.applicationId },
      action: 'authz.denied',
      outcome: 'denied',
      resource: { type: 'api_key', id: service.keyId },
      ip: client.ip,
      userAgent: client.userAgent,
      data: { ...data, reason: (error.extensions?.reason as string) ?? error.code, path: request.url.split('?', 1)[0] },
    });
    throw error;
  }
}
