import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AccessTokens } from '@user-engine/account';
import {
  ApiProblems,
  Authenticated,
  type ClientInfo,
  CurrentClient,
  CurrentPrincipal,
  KernelErrors,
  ParseUuidPipe,
  PermissionCatalog,
  type Principal,
  RequireMembership,
} from '@user-engine/kernel';
import { AccessFacade, type Decision } from '../access-facade';
import { AccessAuthorizer } from '../access-authorizer';
import { TenantTokenClaims } from '../tenant-claims';
import {
  AuthzCheckDto,
  DecisionResponse,
  PermissionListResponse,
  PermissionResponse,
  TenantTokenDto,
  TenantTokenResponse,
} from './access.dto';
import { INVALID, TENANT_ACCESS, TOKEN_PROBLEMS } from './problems';

@ApiTags('authorization')
@ApiBearerAuth()
@ApiProblems(TOKEN_PROBLEMS)
@Controller()
export class AuthorizationController {
  constructor(
    private readonly facade: AccessFacade,
    private readonly authorizer: AccessAuthorizer,
    private readonly catalog: PermissionCatalog,
    private readonly claims: TenantTokenClaims,
    private readonly tokens: AccessTokens,
  ) {}

  @Get('v1/permissions')
  @Authenticated({ tenantTokens: true })
  @ApiOperation({
    summary: 'The permission catalog',
    description:
      "Every permission the mounted modules declare and the applications' catalogs publish, with the lowest built-in role holding it.",
  })
  @ApiOkResponse({ type: PermissionListResponse })
  permissions(): { items: PermissionResponse[] } {
    return {
      items: this.catalog.list().map((p) => ({
        key: p.key,
        description: p.description,
        scope: p.scope,
        min_role: p.minRole ?? null,
        acr: p.acr ?? 'aal1',
        source: p.source,
        application: p.application ?? null,
        deprecated: p.deprecated ?? false,
      })),
    };
  }

  @Post('v1/tenants/:tenant_id/authz/check')
  @HttpCode(200)
  @RequireMembership()
  @ApiOperation({
    summary: 'Ask the decision point',
    description: 'Whether you (or, with members:read, another user) may use a permission in this tenant, and why.',
  })
  @ApiOkResponse({ type: DecisionResponse })
  @ApiProblems(INVALID, ...TENANT_ACCESS)
  async check(
    @Param('tenant_id', ParseUuidPipe) tenantId: string,
    @Body() body: AuthzCheckDto,
    @CurrentPrincipal() principal: Principal,
    @CurrentClient() client: ClientInfo,
  ): Promise<Decision> {
    const subject = body.user_id?.toLowerCase();
    if (subject && subject !== principal.userId) {
      // Members may learn what others can do in their tenant, not who administers the platform.
      if (this.catalog.get(body.permission)?.scope === 'platform') {
        throw KernelErrors.validation([
          { path: 'permission', message: 'only tenant permissions can be checked for another user', rule: 'tenantPermission' },
        ]);
      }
      // Asking about someone else is reading members: decided (and a refusal audited) like a route.
      await this.authorizer.authorize({ principal, requirement: { kind: 'tenant', permission: 'members:read' }, tenantId, ...client });
    }
    const resource = body.resource ? { type: 'user' as const, id: body.resource.id.toLowerCase() } : undefined;
    return this.facade.check({
      principal: subject && subject !== principal.userId ? { userId: subject } : principal,
      tenantId,
      permission: body.permission,
      resource,
    });
  }

  @Post('v1/auth/token')
  @HttpCode(200)
  @Authenticated()
  @ApiOperation({
    summary: 'A tenant-scoped access token',
    description: 'For an active membership of an active tenant: tid, roles, scp (effective permissions) and plan, in the same session.',
  })
  @ApiOkResponse({ type: TenantTokenResponse })
  @ApiProblems(INVALID, [403, 'TENANCY.TENANT_SUSPENDED', 'AUTHZ.TENANT_TOKEN'], [404, 'TENANCY.NOT_FOUND'])
  async tenantToken(@Body() body: TenantTokenDto, @CurrentPrincipal() principal: Principal): Promise<TenantTokenResponse> {
    const tenant = await this.claims.claimsFor(principal, body.tenant_id.toLowerCase());
    const accessToken = await this.tokens.issue({
      userId: principal.userId,
      sessionId: principal.sessionId,
      amr: principal.amr,
      acr: principal.acr,
      tenant,
    });
    return {
      access_token: accessToken,
      token_type: 'Bearer',
      expires_in: this.tokens.lifetimeSeconds,
      tenant_id: tenant.tid,
      roles: tenant.roles,
      scope: tenant.scp,
    };
  }
}
