import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { GetUser, type UserView } from '@user-engine/account';
import {
  ApiProblems,
  Authenticated,
  type ClientInfo,
  CurrentClient,
  CurrentPrincipal,
  Idempotent,
  KernelErrors,
  type Page,
  PageQueryDto,
  ParseUuidPipe,
  type Principal,
  RequirePermission,
} from '@user-engine/kernel';
import { CreateTenant } from '../commands/create-tenant/create-tenant.command';
import { DeleteTenant } from '../commands/delete-tenant/delete-tenant.command';
import { UpdateTenant } from '../commands/update-tenant/update-tenant.command';
import { GetDiagnostics } from '../queries/get-diagnostics/get-diagnostics.query';
import type { Diagnostics } from '../queries/get-diagnostics/get-diagnostics.handler';
import { GetTenant } from '../queries/get-tenant/get-tenant.query';
import { ListMyTenants } from '../queries/list-my-tenants/list-my-tenants.query';
import type { MyTenantView } from '../queries/list-my-tenants/list-my-tenants.handler';
import type { TenantView } from '../queries/views';
import { TenancyErrors } from '../tenancy.errors';
import { INVALID, TENANT_ACCESS, TOKEN_PROBLEMS } from './problems';
import { CreateTenantDto, DiagnosticsResponse, MyTenantListResponse, TenantResponse, UpdateTenantDto } from './tenancy.dto';

@ApiTags('tenants')
@ApiBearerAuth()
@ApiProblems(TOKEN_PROBLEMS, [403, 'AUTHZ.TENANT_TOKEN'])
@Controller('v1/tenants')
export class TenantsController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
  ) {}

  @Post()
  @Authenticated()
  @Idempotent()
  @HttpCode(201)
  @ApiOperation({
    summary: 'Create a tenant',
    description: 'The caller becomes its first owner. Emits tenant.created and membership.added.',
  })
  @ApiCreatedResponse({ type: TenantResponse })
  @ApiProblems(INVALID, [409, 'TENANCY.SLUG_TAKEN'])
  async create(
    @Body() body: CreateTenantDto,
    @CurrentPrincipal() principal: Principal,
    @CurrentClient() client: ClientInfo,
  ): Promise<TenantView> {
    const user = await this.queries.execute<GetUser, UserView | undefined>(new GetUser(principal.userId));
    if (!user?.email) throw TenancyErrors.notFound();
    return this.commands.execute(new CreateTenant(body.name, body.slug, principal, user.email, client));
  }

  @Get()
  @Authenticated()
  @ApiOperation({ summary: 'The tenants I belong to', description: 'With my membership in each; deleted tenants are not listed.' })
  @ApiOkResponse({ type: MyTenantListResponse })
  @ApiProblems(INVALID)
  mine(@Query() page: PageQueryDto, @CurrentPrincipal() principal: Principal): Promise<Page<MyTenantView>> {
    return this.queries.execute(new ListMyTenants(principal.userId, page));
  }

  @Get(':tenant_id')
  @RequirePermission('tenants:read')
  @ApiOperation({ summary: 'A tenant' })
  @ApiOkResponse({ type: TenantResponse })
  @ApiProblems(...TENANT_ACCESS)
  async get(@Param('tenant_id', ParseUuidPipe) tenantId: string): Promise<TenantView> {
    const tenant = await this.queries.execute<GetTenant, TenantView | undefined>(new GetTenant(tenantId));
    if (!tenant) throw TenancyErrors.notFound();
    return tenant;
  }

  @Patch(':tenant_id')
  @RequirePermission('tenants:manage')
  @ApiOperation({ summary: 'Rename a tenant or change its slug', description: 'Emits tenant.updated.' })
  @ApiOkResponse({ type: TenantResponse })
  @ApiProblems(INVALID, ...TENANT_ACCESS, [409, 'TENANCY.SLUG_TAKEN'])
  update(
    @Param('tenant_id', ParseUuidPipe) tenantId: string,
    @Body() body: UpdateTenantDto,
    @CurrentPrincipal() principal: Principal,
    @CurrentClient() client: ClientInfo,
  ): Promise<TenantView> {
    if (body.name === undefined && body.slug === undefined) {
      throw KernelErrors.validation([{ path: 'name', message: 'give name or slug (or both)', rule: 'atLeastOne' }]);
    }
    return this.commands.execute(new UpdateTenant(tenantId, { name: body.name, slug: body.slug }, principal, client));
  }

  @Delete(':tenant_id')
  @HttpCode(204)
  @RequirePermission('tenants:delete')
  @ApiOperation({
    summary: 'Delete a tenant',
    description: 'Members lose access at once; its data is erased after TENANCY_DELETED_RETENTION (tenant.erased). Emits tenant.deleted.',
  })
  @ApiNoContentResponse()
  @ApiProblems(...TENANT_ACCESS)
  async remove(
    @Param('tenant_id', ParseUuidPipe) tenantId: string,
    @CurrentPrincipal() principal: Principal,
    @CurrentClient() client: ClientInfo,
  ): Promise<void> {
    await this.commands.execute(new DeleteTenant(tenantId, principal, client));
  }

  @Get(':tenant_id/diagnostics')
  @RequirePermission('tenants:manage')
  @ApiOperation({
    summary: 'Onboarding diagnostics',
    description: 'Owners present, members by status, roles and bindings, unused custom roles, pending/expired invitations, audit chain.',
  })
  @ApiOkResponse({ type: DiagnosticsResponse })
  @ApiProblems(...TENANT_ACCESS)
  diagnostics(@Param('tenant_id', ParseUuidPipe) tenantId: string): Promise<Diagnostics> {
    return this.queries.execute(new GetDiagnostics(tenantId));
  }
}
