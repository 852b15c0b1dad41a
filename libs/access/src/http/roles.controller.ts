import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  ApiProblems,
  type ClientInfo,
  CurrentClient,
  CurrentPrincipal,
  Idempotent,
  KernelErrors,
  ParseUuidPipe,
  type Principal,
  RequirePermission,
} from '@user-engine/kernel';
import { AccessErrors } from '../access.errors';
import { CreateRole } from '../commands/create-role/create-role.command';
import { DeleteRole } from '../commands/delete-role/delete-role.command';
import { UpdateRole } from '../commands/update-role/update-role.command';
import { ListRoles } from '../queries/list-roles/list-roles.query';
import type { RoleView } from '../queries/list-roles/role.view';
import { CreateRoleDto, RoleListResponse, RoleResponse, UpdateRoleDto } from './access.dto';
import { INVALID, TENANT_ACCESS, TOKEN_PROBLEMS } from './problems';

const WRITE_PROBLEMS: [number, ...string[]][] = [INVALID, [400, 'ACCESS.UNKNOWN_PERMISSION', 'ACCESS.UNKNOWN_ROLE', 'ACCESS.ROLE_CYCLE']];

@ApiTags('roles')
@ApiBearerAuth()
@ApiProblems(TOKEN_PROBLEMS, ...TENANT_ACCESS)
@Controller('v1/tenants/:tenant_id/roles')
export class RolesController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
  ) {}

  @Get()
  @RequirePermission('roles:read')
  @ApiOperation({
    summary: "The tenant's roles",
    description: 'Built-in (owner ⊇ admin ⊇ editor ⊇ viewer) and custom, with effective permissions.',
  })
  @ApiOkResponse({ type: RoleListResponse })
  async list(@Param('tenant_id', ParseUuidPipe) tenantId: string): Promise<{ items: RoleView[] }> {
    return { items: await this.queries.execute<ListRoles, RoleView[]>(new ListRoles(tenantId)) };
  }

  @Get(':key')
  @RequirePermission('roles:read')
  @ApiOperation({ summary: 'A role' })
  @ApiOkResponse({ type: RoleResponse })
  @ApiProblems([404, 'ACCESS.ROLE_NOT_FOUND'])
  async get(@Param('tenant_id', ParseUuidPipe) tenantId: string, @Param('key') key: string): Promise<RoleView> {
    const role = (await this.queries.execute<ListRoles, RoleView[]>(new ListRoles(tenantId))).find((r) => r.key === key);
    if (!role) throw AccessErrors.roleNotFound();
    return role;
  }

  @Post()
  @HttpCode(201)
  @Idempotent()
  @RequirePermission('roles:manage')
  @ApiOperation({
    summary: 'Create a custom role',
    description: 'Permissions must be known tenant permissions you hold; inherits names built-in or custom roles, without cycles.',
  })
  @ApiCreatedResponse({ type: RoleResponse })
  @ApiProblems(...WRITE_PROBLEMS, [409, 'ACCESS.ROLE_EXISTS'])
  create(
    @Param('tenant_id', ParseUuidPipe) tenantId: string,
    @Body() body: CreateRoleDto,
    @CurrentPrincipal() principal: Principal,
    @CurrentClient() client: ClientInfo,
  ): Promise<RoleView> {
    const role = {
      key: body.key,
      name: body.name,
      description: body.description ?? null,
      permissions: body.permissions,
      inherits: body.inherits ?? [],
    };
    return this.commands.execute(new CreateRole(tenantId, role, principal, client));
  }

  @Patch(':key')
  @RequirePermission('roles:manage')
  @ApiOperation({
    summary: 'Change a custom role',
    description: 'Its holders gain or lose permissions at once. Built-in roles cannot change.',
  })
  @ApiOkResponse({ type: RoleResponse })
  @ApiProblems(...WRITE_PROBLEMS, [404, 'ACCESS.ROLE_NOT_FOUND'], [409, 'ACCESS.BUILT_IN_ROLE'])
  update(
    @Param('tenant_id', ParseUuidPipe) tenantId: string,
    @Param('key') key: string,
    @Body() body: UpdateRoleDto,
    @CurrentPrincipal() principal: Principal,
    @CurrentClient() client: ClientInfo,
  ): Promise<RoleView> {
    if (Object.values(body).every((v) => v === undefined)) {
      throw KernelErrors.validation([
        { path: 'name', message: 'give at least one of name, description, permissions, inherits', rule: 'atLeastOne' },
      ]);
    }
    return this.commands.execute(new UpdateRole(tenantId, key, body, principal, client));
  }

  @Delete(':key')
  @HttpCode(204)
  @RequirePermission('roles:manage')
  @ApiOperation({ summary: 'Delete a custom role', description: 'Refused while members hold it or roles inherit it.' })
  @ApiNoContentResponse()
  @ApiProblems([404, 'ACCESS.ROLE_NOT_FOUND'], [409, 'ACCESS.BUILT_IN_ROLE', 'ACCESS.ROLE_IN_USE'])
  async remove(
    @Param('tenant_id', ParseUuidPipe) tenantId: string,
    @Param('key') key: string,
    @CurrentPrincipal() principal: Principal,
    @CurrentClient() client: ClientInfo,
  ): Promise<void> {
    await this.commands.execute(new DeleteRole(tenantId, key, principal, client));
  }
}
