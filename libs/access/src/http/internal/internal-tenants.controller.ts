import { Body, Controller, Get, HttpCode, Param, Post, Query, Req } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import type { InternalAuthzDecisionV1, InternalMemberPageV1, InternalMemberV1 } from '@user-engine/contracts';
import {
  ApiProblems,
  CurrentService,
  KernelErrors,
  type Page,
  ParseUuidPipe,
  PermissionCatalog,
  RequireServiceScope,
  type ServicePrincipal,
} from '@user-engine/kernel';
import { GetMembership, GetTenant, ListMembers, type MemberView, TenancyErrors, type TenantView } from '@user-engine/tenancy';
import { AccessFacade } from '../../access-facade';
import { ApiKeyAuthenticator } from '../../api-key-authenticator';
import { INTERNAL_API, INTERNAL_KEY_PROBLEMS, INVALID } from './internal-problems';
import {
  InternalAuthzCheckDto,
  InternalDecisionResponse,
  InternalMemberPageResponse,
  InternalMemberQueryDto,
  InternalMemberResponse,
} from './internal.dto';

/**
 * Memberships and the decision point for sibling services: tenancy's exported queries for who is a
 * member, the access facade for what they may do — the same facade every public route uses.
 */
@ApiTags('internal: tenants and authorization')
@ApiBearerAuth(INTERNAL_API)
@ApiProblems(...INTERNAL_KEY_PROBLEMS)
@Controller('internal/v1')
export class InternalTenantsController {
  constructor(
    private readonly queries: QueryBus,
    private readonly facade: AccessFacade,
    private readonly catalog: PermissionCatalog,
    private readonly keys: ApiKeyAuthenticator,
  ) {}

  @Get('tenants/:tenant_id/members')
  @RequireServiceScope('members:read')
  @ApiOperation({ summary: "A tenant's members", description: 'By email, cursor-paginated; each with roles and effective permissions.' })
  @ApiOkResponse({ type: InternalMemberPageResponse })
  @ApiProblems(INVALID, [404, 'TENANCY.NOT_FOUND'])
  async members(@Param('tenant_id', ParseUuidPipe) tenantId: string, @Query() q: InternalMemberQueryDto): Promise<InternalMemberPageV1> {
    await this.liveTenant(tenantId);
    const page = await this.queries.execute<ListMembers, Page<MemberView>>(
      new ListMembers(tenantId, { status: q.status, role: q.role, emailPrefix: q.email }, q),
    );
    return { items: await Promise.all(page.items.map((m) => this.toMember(tenantId, m))), next_cursor: page.next_cursor };
  }

  @Get('tenants/:tenant_id/members/:user_id')
  @RequireServiceScope('members:read')
  @ApiOperation({ summary: 'A membership', description: 'Status, roles and effective permissions (none while suspended).' })
  @ApiOkResponse({ type: InternalMemberResponse })
  @ApiProblems(INVALID, [404, 'TENANCY.NOT_FOUND', 'TENANCY.MEMBER_NOT_FOUND'])
  async member(
    @Param('tenant_id', ParseUuidPipe) tenantId: string,
    @Param('user_id', ParseUuidPipe) userId: string,
  ): Promise<InternalMemberV1> {
    await this.liveTenant(tenantId);
    const m = await this.queries.execute<GetMembership, MemberView | undefined>(new GetMembership(tenantId, userId.toLowerCase()));
    if (!m) throw TenancyErrors.memberNotFound();
    return this.toMember(tenantId, m);
  }

  @Post('authz/check')
  @HttpCode(200)
  @RequireServiceScope('authz:check')
  @ApiOperation({
    summary: 'Ask the decision point',
    description: 'Whether the user may use a tenant permission in the tenant, and why: the same answer as the public check.',
  })
  @ApiOkResponse({ type: InternalDecisionResponse })
  @ApiProblems(INVALID)
  async check(
    @Body() body: InternalAuthzCheckDto,
    @CurrentService() service: ServicePrincipal,
    @Req() request: FastifyRequest,
  ): Promise<InternalAuthzDecisionV1> {
    const tenantId = body.tenant_id.toLowerCase();
    await this.keys.assertTenant(request, service, tenantId);
    // Who administers the platform is not a sibling service's business.
    if (this.catalog.get(body.permission)?.scope === 'platform') {
      throw KernelErrors.validation([{ path: 'permission', message: 'only tenant permissions can be checked', rule: 'tenantPermission' }]);
    }
    const resource = body.resource ? { type: 'user' as const, id: body.resource.id.toLowerCase() } : undefined;
    return this.facade.check({ principal: { userId: body.user_id.toLowerCase() }, tenantId, permission: body.permission, resource });
  }

  /** Deleted tenants read as unknown, as they do on the public API. */
  private async liveTenant(tenantId: string): Promise<void> {
    const tenant = await this.queries.execute<GetTenant, TenantView | undefined>(new GetTenant(tenantId));
    if (!tenant || tenant.status === 'deleted') throw TenancyErrors.notFound();
  }

  private async toMember(tenantId: string, m: MemberView): Promise<InternalMemberV1> {
    return {
      tenant_id: tenantId,
      user_id: m.user_id,
      email: m.email,
      status: m.status,
      roles: m.roles,
      permissions: m.status === 'active' ? await this.facade.permissionsOfRoles(tenantId, m.roles) : [],
      joined_at: m.joined_at,
    };
  }
}
