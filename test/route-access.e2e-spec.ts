import { RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import { type AccessRequirement, PermissionCatalog, requirementOf } from '@user-engine/kernel';
import { signUp } from './support/account';
import { internal, listen } from './support/internal';
import { expectProblem } from './support/problems';
import { useTestApp } from './support/test-app';

interface RouteInfo {
  route: string;
  requirement: AccessRequirement | 'public' | undefined;
}

/** Every HTTP route of the application as mounted, with its declared access rule. */
function routesOf(discovery: DiscoveryService, scanner: MetadataScanner, reflector: Reflector): RouteInfo[] {
  const routes: RouteInfo[] = [];
  for (const wrapper of discovery.getControllers()) {
    const instance = wrapper.instance as object | undefined;
    if (!instance || !wrapper.metatype) continue;
    const prefix = String(Reflect.getMetadata(PATH_METADATA, wrapper.metatype) ?? '');
    const proto = Object.getPrototypeOf(instance) as Record<string, Function>;
    for (const name of scanner.getAllMethodNames(proto)) {
      const handler = proto[name];
      const path = Reflect.getMetadata(PATH_METADATA, handler) as string | undefined;
      if (path === undefined) continue;
      const method = RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler) as number];
      routes.push({
        route: `${method} /${[prefix, path].filter((p) => p && p !== '/').join('/')}`.replace(/\/+/g, '/'),
        requirement: requirementOf(reflector, [handler, wrapper.metatype as Function]),
      });
    }
  }
  return routes;
}

describe('every route declares who may call it', () => {
  const ctx = useTestApp();
  let routes: RouteInfo[];

  beforeAll(() => {
    routes = routesOf(ctx.t.get(DiscoveryService), ctx.t.get(MetadataScanner), ctx.t.get(Reflector));
  });

  it('finds the routes of every mounted module', () => {
    expect(routes.length).toBeGreaterThan(50);
    expect(routes.map((r) => r.route)).toEqual(
      expect.arrayContaining([
        'GET /v1/me',
        'GET /v1/tenants/:tenant_id/members',
        'POST /v1/tenants/:tenant_id/authz/check',
        'GET /health/live',
      ]),
    );
  });

  it('has no route without a permission, @Authenticated() or @Public() (deny by default)', () => {
    expect(routes.filter((r) => r.requirement === undefined).map((r) => r.route)).toEqual([]);
  });

  it('declares tenant permissions only on routes that carry the tenant in the path, and every tenant route declares one', () => {
    // Admin routes are platform permissions; internal routes bind the tenant through the API key.
    const tenantRoutes = routes.filter(
      (r) => r.route.includes(':tenant_id') && !r.route.includes('/v1/admin/') && !r.route.includes(' /internal/'),
    );
    const inTenant = (r: RouteInfo) =>
      typeof r.requirement === 'object' && (r.requirement.kind === 'tenant' || r.requirement.kind === 'member');
    expect(tenantRoutes.filter((r) => !inTenant(r)).map((r) => r.route)).toEqual([]);
    const misplaced = routes.filter((r) => inTenant(r) && !r.route.includes(':tenant_id'));
    expect(misplaced.map((r) => r.route)).toEqual([]);
  });

  it('puts every /v1/admin route behind a platform permission', () => {
    const admin = routes.filter((r) => r.route.includes(' /v1/admin/'));
    expect(admin.length).toBeGreaterThanOrEqual(9);
    expect(admin.filter((r) => typeof r.requirement !== 'object' || r.requirement.kind !== 'platform').map((r) => r.route)).toEqual([]);
  });

  it('declares only permissions the catalog knows', () => {
    const catalog = ctx.t.get(PermissionCatalog);
    const unknown = routes.filter(
      (r) => typeof r.requirement === 'object' && 'permission' in r.requirement && !catalog.has(r.requirement.permission),
    );
    expect(unknown.map((r) => r.route)).toEqual([]);
  });

  it('puts every /internal route behind a service scope the catalog knows, and only /internal routes', () => {
    const catalog = ctx.t.get(PermissionCatalog);
    const isService = (r: RouteInfo) => typeof r.requirement === 'object' && r.requirement.kind === 'service';
    const internalRoutes = routes.filter((r) => r.route.includes(' /internal/'));
    expect(
      Object.fromEntries(
        internalRoutes.map((r) => [
          r.route,
          typeof r.requirement === 'object' && r.requirement.kind === 'service' ? r.requirement.scope : r.requirement,
        ]),
      ),
    ).toEqual({
      'GET /internal/v1/users': 'users:read',
      'GET /internal/v1/users/:id': 'users:read',
      'POST /internal/v1/users/batch': 'users:read',
      'POST /internal/v1/users/:id/identities': 'identities:link',
      'GET /internal/v1/tenants/:tenant_id/members': 'members:read',
      'GET /internal/v1/tenants/:tenant_id/members/:user_id': 'members:read',
      'POST /internal/v1/authz/check': 'authz:check',
      'GET /internal/v1/users/:id/profile': 'profiles:read',
      'GET /internal/v1/tenants/:tenant_id/entitlements': 'entitlements:read',
      'POST /internal/v1/subscriptions/:id/payments': 'payments:write',
    });
    const unknownScope = internalRoutes.filter(
      (r) => !(typeof r.requirement === 'object' && r.requirement.kind === 'service' && catalog.serviceScope(r.requirement.scope)),
    );
    expect(unknownScope.map((r) => r.route)).toEqual([]);
    expect(routes.filter((r) => isService(r) && !r.route.includes(' /internal/')).map((r) => r.route)).toEqual([]);
    // Every scope a key can be issued with guards at least one route, and the catalog knows no other.
    const used = new Set(internalRoutes.map((r) => (r.requirement as { scope: string }).scope));
    expect(
      catalog
        .listServiceScopes()
        .map((s) => s.key)
        .filter((k) => !used.has(k)),
    ).toEqual([]);
    expect(catalog.listServiceScopes().map((s) => [s.key, s.platformOnly ?? false])).toEqual([
      ['authz:check', false],
      ['entitlements:read', false],
      ['identities:link', true],
      ['members:read', false],
      ['payments:write', true],
      ['profiles:read', false],
      ['users:read', false],
    ]);
  });

  it('keeps the public surface to what must be anonymous', () => {
    expect(
      routes
        .filter((r) => r.requirement === 'public')
        .map((r) => r.route)
        .sort(),
    ).toEqual(
      [
        'GET /.well-known/jwks.json',
        'GET /.well-known/openid-configuration',
        'GET /health/live',
        'GET /health/ready',
        'GET /metrics',
        'GET /v1/plans',
        'GET /v1/plans/:key',
        'POST /v1/auth/login',
        'POST /v1/auth/login/external',
        'POST /v1/auth/password-reset',
        'POST /v1/auth/password-reset/confirm',
        'POST /v1/auth/refresh',
        'POST /v1/users',
        'POST /v1/users/resend-verification',
        'POST /v1/users/verify-email',
      ].sort(),
    );
  });

  it('refuses a declared route without a token (401)', async () => {
    const res = await ctx.t.inject({ method: 'GET', url: '/v1/tenants/0190a4d6-aaaa-7000-8000-00000000000a/members' });
    expect(res.statusCode).toBe(401);
    expect(res.json().code).toBe('AUTH.UNAUTHENTICATED');
  });

  it('refuses a service route without an API key (401), a user token included, on the internal port', async () => {
    const l = await listen(ctx.t);
    const user = await signUp(ctx.t, ctx.db);
    const url = '/internal/v1/tenants/0190a4d6-aaaa-7000-8000-00000000000a/members';
    expectProblem(await internal(l, 'GET', url), 401, 'AUTH.API_KEY_REQUIRED');
    expectProblem(await internal(l, 'GET', url, { key: user.accessToken }), 401, 'AUTH.API_KEY_REQUIRED');
    // The public port does not serve it at all.
    expectProblem(await ctx.t.inject({ method: 'GET', url }), 404, 'KERNEL.ROUTE_NOT_FOUND');
  });
});
