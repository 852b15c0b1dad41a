import { createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';

/**
 * Who is calling, as the authentication guard established it. The kernel only carries it; the account
 * module proves it (tokens) and the access module decides what it may do.
 */
export interface Principal {
  readonly kind: 'user';
  /** The user id (`sub`). */
  readonly userId: string;
  /** The session the access token belongs to (`sid`). */
  readonly sessionId: string;
  /** Token id (`jti`). */
  readonly tokenId: string;
  /** Authentication methods (`amr`) and assurance level (`acr`). */
  readonly amr: readonly string[];
  readonly acr: string;
  /** The tenant the token was issued for (`tid`), when it is tenant-scoped. */
  readonly tenantId?: string;
  readonly roles?: readonly string[];
  readonly scopes?: readonly string[];
  /** Seconds since the epoch, as in the token. */
  readonly issuedAt: number;
  readonly expiresAt: number;
}

/**
 * A sibling service calling the internal API with an application's API key (the access module
 * proves it). Never a user: it cannot reach the public routes, and users' tokens cannot reach its.
 */
export interface ServicePrincipal {
  readonly kind: 'service';
  readonly applicationId: string;
  readonly applicationKey: string;
  readonly keyId: string;
  readonly scopes: readonly string[];
  /** The one tenant a tenant-bound key may ask about; null for a platform-wide key. */
  readonly tenantId: string | null;
}

export const IS_PUBLIC = 'kernel:is-public';

/**
 * Marks a route (or a controller) as reachable without credentials. Every other route requires an
 * authenticated principal: authentication is denied by default.
 */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(IS_PUBLIC, true);

type RequestWithPrincipal = FastifyRequest & { user?: Principal };

/** The authenticated principal of the request (set by the authentication guard). */
export const CurrentPrincipal = createParamDecorator((_data: unknown, ctx: ExecutionContext): Principal => {
  const principal = ctx.switchToHttp().getRequest<RequestWithPrincipal>().user;
  // The guard runs first; a route without one reaching here is a wiring bug, not a client error.
  if (!principal) throw new Error('No authenticated principal on this request: is the route @Public()?');
  return principal;
});

/** The calling service of an internal route (set by the guard for `@RequireServiceScope` routes). */
export const CurrentService = createParamDecorator((_data: unknown, ctx: ExecutionContext): ServicePrincipal => {
  const service = ctx.switchToHttp().getRequest<FastifyRequest & { service?: ServicePrincipal }>().service;
  if (!service) throw new Error('No service principal on this request: is the route @RequireServiceScope()?');
  return service;
});

/** Where a request came from, for sessions and the audit log. */
export interface ClientInfo {
  /** The client IP: the socket peer, or X-Forwarded-For only behind a trusted proxy (TRUST_PROXY). */
  readonly ip: string;
  readonly userAgent: string | null;
}

export function clientInfoOf(request: FastifyRequest): ClientInfo {
  const ua = request.headers['user-agent'];
  return { ip: request.ip, userAgent: typeof ua === 'string' && ua ? ua.slice(0, 512) : null };
}

export const CurrentClient = createParamDecorator((_data: unknown, ctx: ExecutionContext): ClientInfo =>
  clientInfoOf(ctx.switchToHttp().getRequest<FastifyRequest>()),
);
