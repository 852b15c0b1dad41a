import { CanActivate, ExecutionContext, Injectable, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { RequestContext } from '../context/request-context';
import { DomainError, KernelErrors } from '../errors/domain-error';
import { isUuid } from '../ids/uuid';
import { IS_PUBLIC, type Principal, type ServicePrincipal } from './principal';

export const ACCESS_REQUIREMENT = 'kernel:access-requirement';

/**
 * What a route demands of its caller, declared next to it. A route with neither a requirement nor
 * `@Public()` is refused (deny by default) and fails the route-declaration test.
 */
export type AccessRequirement =
  /**
   * Any signed-in user, acting on their own account. Tenant-scoped tokens are refused unless
   * `tenantTokens` (a token issued for one tenant must not manage the account or mint other tokens).
   */
  | { readonly kind: 'authenticated'; readonly tenantTokens?: boolean }
  /** A permission in the tenant named by the route's `{tenant_id}`. */
  | {
      readonly kind: 'tenant';
      readonly permission: string;
      /** Path parameter naming the user the action targets (owner protection, self-service). */
      readonly target?: string;
      /** The target may do this to themselves without the permission (a member leaving). */
      readonly self?: boolean;
    }
  /**
   * Any active member of the tenant named by the route's `{tenant_id}`, whatever their roles.
   * Platform operators pass too, unless `own` (the route is about the caller's own membership).
   */
  | { readonly kind: 'member'; readonly own?: boolean }
  /** A platform permission (held by platform operators only). */
  | { readonly kind: 'platform'; readonly permission: string }
  /** An internal route: an application's API key holding `scope` (and bound to the path's tenant, if bound). */
  | { readonly kind: 'service'; readonly scope: string };

/**
 * The route needs a signed-in user and nothing more (their own account, their own tenants), with an
 * unscoped token — or any token with `{ tenantTokens: true }` (reading who you are, signing out).
 */
export const Authenticated = (options: { tenantTokens?: boolean } = {}): MethodDecorator & ClassDecorator =>
  SetMetadata(ACCESS_REQUIREMENT, { kind: 'authenticated', ...options } satisfies AccessRequirement);

/** The route needs `permission` in the tenant of its `{tenant_id}` path parameter. */
export const RequirePermission = (
  permission: string,
  options: { target?: string; self?: boolean } = {},
): MethodDecorator & ClassDecorator =>
  SetMetadata(ACCESS_REQUIREMENT, { kind: 'tenant', permission, ...options } satisfies AccessRequirement);

/**
 * The route needs an active membership in the tenant of its `{tenant_id}` and no particular
 * permission. With `{ own: true }` a platform operator passes only where they are a member themselves
 * (the route reads or writes something of the caller's own membership, e.g. their profile there).
 */
export const RequireMembership = (options: { own?: boolean } = {}): MethodDecorator & ClassDecorator =>
  SetMetadata(ACCESS_REQUIREMENT, { kind: 'member', ...options } satisfies AccessRequirement);

/** The route is platform administration: only a platform operator holding `permission` passes. */
export const RequirePlatformPermission = (permission: string): MethodDecorator & ClassDecorator =>
  SetMetadata(ACCESS_REQUIREMENT, { kind: 'platform', permission } satisfies AccessRequirement);

/**
 * The route is internal (`/internal/v1`, the internal port): only an API key holding `scope` passes,
 * and a key bound to one tenant only for that tenant's `{tenant_id}`. User tokens never pass.
 */
export const RequireServiceScope = (scope: string): MethodDecorator & ClassDecorator =>
  SetMetadata(ACCESS_REQUIREMENT, { kind: 'service', scope } satisfies AccessRequirement);

export const FEATURE_REQUIREMENT = 'kernel:feature-requirement';

/**
 * The route also needs `feature` (`sso`, `audit_export`) in the caller's plan: the plan in the
 * route's tenant — else the tenant a token or key is bound to — (a membership's plan override, else
 * the tenant's) for a user, the tenant's for a service, and the user's own plan outside any tenant.
 * Stacks with the access rule, which is
 * checked first; the subscription module decides, and without it every such route is refused.
 */
export const RequireFeature = (feature: string): MethodDecorator & ClassDecorator => SetMetadata(FEATURE_REQUIREMENT, feature);

/** Decides whether a caller's plan includes a feature (the subscription module); throws a DomainError when not. */
export interface EntitlementChecker {
  assertFeature(need: { principal: Principal | ServicePrincipal; tenantId?: string; feature: string }): Promise<void>;
}

/**
 * Proves which application calls an internal route and that its key may (the access module's API
 * keys): scope, tenant binding, expiry, revocation; throws a DomainError (audited) when not.
 */
export interface ServiceAuthenticator {
  authenticate(request: FastifyRequest, need: { scope: string; tenantId?: string }): Promise<ServicePrincipal>;
}

/** Proves who is calling (the account module's bearer tokens). */
export interface Authenticator {
  authenticate(request: FastifyRequest): Promise<Principal>;
}

export interface AuthorizationRequest {
  principal: Principal;
  requirement: Exclude<AccessRequirement, { kind: 'authenticated' | 'service' }>;
  /** The tenant resolved from the path, for tenant and member requirements. */
  tenantId?: string;
  /** The user the action targets, when the requirement names a path parameter. */
  targetUserId?: string;
  ip: string;
  userAgent: string | null;
}

/** Decides whether an authenticated principal may pass (the access module); throws a DomainError when not. */
export interface Authorizer {
  authorize(request: AuthorizationRequest): Promise<void>;
}

/**
 * Where the account module plugs in authentication and the access module authorization. The kernel
 * owns the one guard, so the order (authenticate, then authorize) is fixed, and a deployment
 * without a module that can decide refuses instead of letting the request through.
 */
@Injectable()
export class AccessGate {
  private authenticator?: Authenticator;
  private authorizer?: Authorizer;
  private services?: ServiceAuthenticator;
  private entitlements?: EntitlementChecker;

  useAuthenticator(authenticator: Authenticator): void {
    this.authenticator = authenticator;
  }

  useAuthorizer(authorizer: Authorizer): void {
    this.authorizer = authorizer;
  }

  useServiceAuthenticator(services: ServiceAuthenticator): void {
    this.services = services;
  }

  useEntitlements(entitlements: EntitlementChecker): void {
    this.entitlements = entitlements;
  }

  /** Deny by default: with no module to decide (subscription not mounted), no plan includes anything. */
  async assertFeature(need: { principal: Principal | ServicePrincipal; tenantId?: string; feature: string }): Promise<void> {
    if (!this.entitlements) throw AccessErrors.featureNotIncluded(need.feature);
    await this.entitlements.assertFeature(need);
  }

  authenticateService(request: FastifyRequest, need: { scope: string; tenantId?: string }): Promise<ServicePrincipal> {
    if (!this.services) throw AccessErrors.noAuthorizer();
    return this.services.authenticate(request, need);
  }

  authenticate(request: FastifyRequest): Promise<Principal> {
    if (!this.authenticator) throw AccessErrors.unauthenticated();
    return this.authenticator.authenticate(request);
  }

  async authorize(request: AuthorizationRequest): Promise<void> {
    if (!this.authorizer) throw AccessErrors.noAuthorizer();
    await this.authorizer.authorize(request);
  }
}

export const AccessErrors = {
  unauthenticated: () =>
    new DomainError('unauthenticated', 'AUTH.UNAUTHENTICATED', 'This needs a bearer access token.', {
      headers: { 'WWW-Authenticate': 'Bearer realm="user-engine"' },
    }),
  noAuthorizer: () => new DomainError('forbidden', 'AUTHZ.FORBIDDEN', 'No authorization is configured for this route.'),
  undeclared: () => new DomainError('forbidden', 'AUTHZ.FORBIDDEN', 'This route declares no access rule and is refused.'),
  featureNotIncluded: (feature: string) =>
    new DomainError('forbidden', 'SUBSCRIPTION.FEATURE_NOT_INCLUDED', `This needs the "${feature}" feature, which no plan provides here.`, {
      extensions: { feature, plan: null },
    }),
  tenantToken: () =>
    new DomainError('forbidden', 'AUTHZ.TENANT_TOKEN', "A tenant-scoped token cannot do this: use the session's unscoped access token.", {
      extensions: { reason: 'tenant_scoped_token' },
    }),
};

/**
 * The route's declared rule: the method's own (a requirement or `@Public()`) wins over its
 * controller's, so a public controller cannot silently open a method that demands a permission.
 */
export function requirementOf(reflector: Reflector, [handler, controller]: [Function, Function]): AccessRequirement | 'public' | undefined {
  for (const target of [handler, controller]) {
    const requirement = reflector.get<AccessRequirement | undefined>(ACCESS_REQUIREMENT, target);
    if (requirement) return requirement;
    if (reflector.get<boolean | undefined>(IS_PUBLIC, target)) return 'public';
  }
  return undefined;
}

/**
 * The application's one guard: public routes pass; every other route authenticates the caller and,
 * unless it only needs a signed-in user, asks the authorizer. Routes that declare nothing are denied.
 */
@Injectable()
export class AccessGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly gate: AccessGate,
    private readonly context: RequestContext,
  ) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const targets: [Function, Function] = [ctx.getHandler(), ctx.getClass()];
    const requirement = requirementOf(this.reflector, targets);
    if (requirement === 'public') return true;
    const request = ctx.switchToHttp().getRequest<FastifyRequest & { user?: Principal; service?: ServicePrincipal }>();
    const principal = await this.admit(requirement, request);
    const feature = this.reflector.getAllAndOverride<string | undefined>(FEATURE_REQUIREMENT, targets);
    if (feature) await this.gate.assertFeature({ principal, tenantId: this.context.tenant?.tenantId, feature });
    return true;
  }

  /** Authenticates the caller and checks the route's rule; returns who passed. */
  private async admit(
    requirement: AccessRequirement | undefined,
    request: FastifyRequest & { user?: Principal; service?: ServicePrincipal },
  ): Promise<Principal | ServicePrincipal> {
    if (requirement?.kind === 'service') {
      request.service = await this.gate.authenticateService(request, {
        scope: requirement.scope,
        tenantId: this.context.tenant?.tenantId,
      });
      return request.service;
    }
    const principal = await this.gate.authenticate(request);
    request.user = principal;
    if (!requirement) throw AccessErrors.undeclared();
    if (requirement.kind === 'authenticated') {
      if (principal.tenantId && !requirement.tenantTokens) throw AccessErrors.tenantToken();
      return principal;
    }
    const params = (request.params ?? {}) as Record<string, string | undefined>;
    const target = requirement.kind === 'tenant' && requirement.target ? params[requirement.target]?.toLowerCase() : undefined;
    // Guards run before pipes: a malformed target id is the client's mistake, reported as such.
    if (target !== undefined && requirement.kind === 'tenant' && !isUuid(target)) {
      const path = requirement.target!;
      throw KernelErrors.validation([{ path, message: `${path} must be a UUID`, rule: 'isUuid' }]);
    }
    const ua = request.headers['user-agent'];
    await this.gate.authorize({
      principal,
      requirement,
      tenantId: this.context.tenant?.tenantId,
      targetUserId: target,
      ip: request.ip,
      userAgent: typeof ua === 'string' && ua ? ua.slice(0, 512) : null,
    });
    return principal;
  }
}
