import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Put, Query } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  ApiProblems,
  type ClientInfo,
  CurrentClient,
  CurrentPrincipal,
  type Page,
  ParseUuidPipe,
  type Principal,
  RequirePermission,
} from '@user-engine/kernel';
import { ChangeMemberStatus } from '../commands/change-member-status/change-member-status.command';
import { RemoveMember } from '../commands/remove-member/remove-member.command';
import { SetMemberRoles } from '../commands/set-member-roles/set-member-roles.command';
import { GetMembership } from '../queries/get-membership/get-membership.query';
import { ListMembers } from '../queries/list-members/list-members.query';
import type { MemberView } from '../queries/views';
import { TenancyErrors } from '../tenancy.errors';
import { INVALID, TENANT_ACCESS, TOKEN_PROBLEMS } from './problems';
import { MemberListResponse, MemberQueryDto, MemberResponse, MemberRolesDto, MemberStatusDto } from './tenancy.dto';

@ApiTags('members')
@ApiBearerAuth()
@ApiProblems(TOKEN_PROBLEMS, ...TENANT_ACCESS)
@Controller('v1/tenants/:tenant_id/members')
export class MembersController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
  ) {}

  @Get()
  @RequirePermission('members:read')
  @ApiOperation({ summary: "The tenant's members", description: 'Ordered by email; filter by status and role, search by email prefix.' })
  @ApiOkResponse({ type: MemberListResponse })
  @ApiProblems(INVALID)
  list(@Param('tenant_id', ParseUuidPipe) tenantId: string, @Query() q: MemberQueryDto): Promise<Page<MemberView>> {
    return this.queries.execute(new ListMembers(tenantId, { status: q.status, role: q.role, emailPrefix: q.email }, q));
  }

  @Get(':user_id')
  @RequirePermission('members:read')
  @ApiOperation({ summary: 'A member' })
  @ApiOkResponse({ type: MemberResponse })
  @ApiProblems([404, 'TENANCY.MEMBER_NOT_FOUND'])
  async get(@Param('tenant_id', ParseUuidPipe) tenantId: string, @Param('user_id', ParseUuidPipe) userId: string): Promise<MemberView> {
    const member = await this.queries.execute<GetMembership, MemberView | undefined>(new GetMembership(tenantId, userId));
    if (!member) throw TenancyErrors.memberNotFound();
    return member;
  }

  @Patch(':user_id')
  @RequirePermission('members:manage', { target: 'user_id' })
  @ApiOperation({
    summary: "Suspend or reactivate a member's access to this tenant",
    description: 'Their account is untouched. The last active owner cannot be suspended. Emits membership.updated.',
  })
  @ApiOkResponse({ type: MemberResponse })
  @ApiProblems(INVALID, [404, 'TENANCY.MEMBER_NOT_FOUND'], [409, 'TENANCY.LAST_OWNER', 'TENANCY.CANNOT_CHANGE_SELF'])
  setStatus(
    @Param('tenant_id', ParseUuidPipe) tenantId: string,
    @Param('user_id', ParseUuidPipe) userId: string,
    @Body() body: MemberStatusDto,
    @CurrentPrincipal() principal: Principal,
    @CurrentClient() client: ClientInfo,
  ): Promise<MemberView> {
    return this.commands.execute(new ChangeMemberStatus(tenantId, userId.toLowerCase(), body.status, principal, client));
  }

  @Delete(':user_id')
  @HttpCode(204)
  @RequirePermission('members:manage', { target: 'user_id', self: true })
  @ApiOperation({
    summary: 'Remove a member, or leave (your own user id)',
    description: 'The last active owner cannot leave or be removed. Emits membership.removed.',
  })
  @ApiNoContentResponse()
  @ApiProblems([404, 'TENANCY.MEMBER_NOT_FOUND'], [409, 'TENANCY.LAST_OWNER'])
  async remove(
    @Param('tenant_id', ParseUuidPipe) tenantId: string,
    @Param('user_id', ParseUuidPipe) userId: string,
    @CurrentPrincipal() principal: Principal,
    @CurrentClient() client: ClientInfo,
  ): Promise<void> {
    await this.commands.execute(new RemoveMember(tenantId, userId.toLowerCase(), principal, client));
  }

  @Put(':user_id/roles')
  @RequirePermission('roles:assign', { target: 'user_id' })
  @ApiOperation({
    summary: "Replace a member's roles",
    description:
      'You can only grant permissions you hold, only change members whose permissions you hold, and only owners touch owners. Emits membership.updated.',
  })
  @ApiOkResponse({ type: MemberResponse })
  @ApiProblems(INVALID, [400, 'ACCESS.UNKNOWN_ROLE'], [404, 'TENANCY.MEMBER_NOT_FOUND'], [409, 'TENANCY.LAST_OWNER'])
  setRoles(
    @Param('tenant_id', ParseUuidPipe) tenantId: string,
    @Param('user_id', ParseUuidPipe) userId: string,
    @Body() body: MemberRolesDto,
    @CurrentPrincipal() principal: Principal,
    @CurrentClient() client: ClientInfo,
  ): Promise<MemberView> {
    return this.commands.execute(new SetMemberRoles(tenantId, userId.toLowerCase(), body.roles, principal, client));
  }
}
