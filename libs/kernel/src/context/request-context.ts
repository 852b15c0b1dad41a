import { Injectable } from '@nestjs/common';
import { RouteConfig } from '@nestjs/platform-fastify';
import { ClsService } from 'nestjs-cls';
import { isUuid } from '../ids/uuid';
import { Scope, Scopes } from '../database/unit-of-work';

const TENANT_KEY = Symbol('kernel.tenant');

/** The tenant a request acts in, resolved from the path before any handler runs. */
export interface TenantContext {
  readonly tenantId: string;
}

/** Per-request facts carried in AsyncLocalStorage: the request id and, when resolved, the tenant. */
@Injectable()
export class RequestContext {
  constructor(private readonly cls: ClsService) {}

  get requestId(): string | undefined {
    return this.cls.isActive() ? (this.cls.getId() as string | undefined) : undefined;
  }

  get tenant(): TenantContext | undefined {
    return this.cls.isActive() ? this.cls.get<TenantContext | undefined>(TENANT_KEY) : undefined;
  }

  setTenant(tenantId: string): void {
    if (!isUuid(tenantId)) throw new Error(`Not a tenant id: ${tenantId}`);
    this.cls.set(TENANT_KEY, { tenantId } satisfies TenantContext);
  }

  /** The transaction scope that matches this request: its tenant when resolved, otherwise global. */
  scope(): Scope {
    const t = this.tenant;
    return t ? Scopes.tenant(t.tenantId) : Scopes.global;
  }
}

/** Fastify route config of routes that take their tenant from the query string. */
export interface RouteTenantConfig {
  tenantFromQuery?: boolean;
}

/**
 * For a route whose tenant is optional and so travels as `?tenant_id=` rather than in the path: a
 * well-formed one becomes the request's TenantContext like a path's, before guards run (so a
 * tenant-bound API key is held to its tenant).
 */
export const TenantFromQuery = (): MethodDecorator => RouteConfig({ tenantFromQuery: true } satisfies RouteTenantConfig);
