import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  ApiProblems,
  type ClientInfo,
  CurrentClient,
  CurrentPrincipal,
  type Page,
  ParseUuidPipe,
  type Principal,
  RequirePlatformPermission,
} from '@user-engine/kernel';
import { ChangeTenantStatus } from '../commands/change-tenant-status/change-tenant-status.command';
import { GetTenant } from '../queries/get-tenant/get-tenant.query';
import { ListTenants } from '../queries/list-tenants/list-tenants.query';
import type { TenantView } from '../queries/views';
import { TenancyErrors } from '../tenancy.errors';
import { INVALID, TOKEN_PROBLEMS } from './problems';
import { AdminTenantQueryDto, SuspendTenantDto, TenantListResponse, TenantResponse } from './tenancy.dto';

@ApiTags('admin')
@ApiBearerAuth()
@ApiProblems(TOKEN_PROBLEMS, [403, 'AUTHZ.FORBIDDEN'])
@Controller('v1/admin/tenants')
export class AdminTenantsController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
  ) {}

  @Get()
  @RequirePlatformPermission('platform:tenants.read')
  @ApiOperation({ summary: 'Every tenant (platform operators)', description: 'Filter by status, search by slug prefix.' })
  @ApiOkResponse({ type: TenantListResponse })
  @ApiProblems(INVALID)
  list(@Query() q: AdminTenantQueryDto): Promise<Page<TenantView>> {
    return this.queries.execute(new ListTenants({ status: q.status, query: q.query }, q));
  }

  @Get(':tenant_id')
  @RequirePlatformPermission('platform:tenants.read')
  @ApiOperation({ summary: 'Any tenant, deleted ones included (platform operators)' })
  @ApiOkResponse({ type: TenantResponse })
  @ApiProblems([404, 'TENANCY.NOT_FOUND'])
  async get(@Param('tenant_id', ParseUuidPipe) tenantId: string): Promise<TenantView> {
    const tenant = await this.queries.execute<GetTenant, TenantView | undefined>(new GetTenant(tenantId));
    if (!tenant) throw TenancyErrors.notFound();
    return tenant;
  }

  @Post(':tenant_id/suspend')
  @HttpCode(200)
  @RequirePlatformPermission('platform:tenants.manage')
  @ApiOperation({
    summary: 'Suspend a tenant',
    description: 'Its members can no longer act in it or get tokens for it. Emits tenant.suspended.',
  })
  @ApiOkResponse({ type: TenantResponse })
  @ApiProblems(INVALID, [404, 'TENANCY.NOT_FOUND'])
  suspend(
    @Param('tenant_id', ParseUuidPipe) tenantId: string,
    @Body() body: SuspendTenantDto,
    @CurrentPrincipal() principal: Principal,
    @CurrentClient() client: ClientInfo,
  ): Promise<TenantView> {
    return this.commands.execute(new ChangeTenantStatus(tenantId, 'suspended', body?.reason ?? null, principal, client));
  }

  @Post(':tenant_id/reactivate')
  @HttpCode(200)
  @RequirePlatformPermission('platform:tenants.manage')
  @ApiOperation({ summary: 'Reactivate a suspended tenant', description: 'Emits tenant.reactivated.' })
  @ApiOkResponse({ type: TenantResponse })
  @ApiProblems([404, 'TENANCY.NOT_FOUND'])
  reactivate(
    @Param('tenant_id', ParseUuidPipe) tenantId: string,
    @CurrentPrincipal() principal: Principal,
    @CurrentClient() client: ClientInfo,
  ): Promise<TenantView> {
    return this.commands.execute(new ChangeTenantStatus(tenantId, 'active', null, principal, client));
  }
}
