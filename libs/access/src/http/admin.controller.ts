import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ChangeUserStatus, GetUser, SearchUsers, type UserView } from '@user-engine/account';
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
import { AccessErrors } from '../access.errors';
import { GrantPlatformRole } from '../commands/grant-platform-role/grant-platform-role.command';
import { RevokePlatformRole } from '../commands/revoke-platform-role/revoke-platform-role.command';
import { ListOperators } from '../queries/list-operators/list-operators.query';
import type { OperatorView } from '../queries/list-operators/list-operators.handler';
import {
  AdminUserListResponse,
  AdminUserQueryDto,
  AdminUserResponse,
  GrantOperatorDto,
  OperatorListResponse,
  ReasonDto,
} from './access.dto';
import { INVALID, PLATFORM_ONLY, TOKEN_PROBLEMS } from './problems';

@ApiTags('admin')
@ApiBearerAuth()
@ApiProblems(TOKEN_PROBLEMS, PLATFORM_ONLY)
@Controller('v1/admin')
export class AdminController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
  ) {}

  @Get('users')
  @RequirePlatformPermission('platform:users.read')
  @ApiOperation({ summary: 'Search users (platform operators)', description: 'By email prefix or id; ordered by email.' })
  @ApiOkResponse({ type: AdminUserListResponse })
  @ApiProblems(INVALID)
  users(@Query() q: AdminUserQueryDto): Promise<Page<UserView>> {
    return this.queries.execute(new SearchUsers(q.query ?? '', q));
  }

  @Post('users/:id/suspend')
  @HttpCode(200)
  @RequirePlatformPermission('platform:users.manage')
  @ApiOperation({ summary: 'Suspend a user', description: 'Every session ends at once; sign-in is refused until reactivated.' })
  @ApiOkResponse({ type: AdminUserResponse })
  @ApiProblems(INVALID, [404, 'ACCOUNT.USER_NOT_FOUND'], [409, 'ACCOUNT.INVALID_TRANSITION'])
  suspend(@Param('id', ParseUuidPipe) id: string, @Body() body: ReasonDto, @CurrentPrincipal() principal: Principal): Promise<UserView> {
    return this.setStatus(id, 'suspend', principal, body?.reason ?? null);
  }

  @Post('users/:id/reactivate')
  @HttpCode(200)
  @RequirePlatformPermission('platform:users.manage')
  @ApiOperation({ summary: 'Reactivate a suspended user' })
  @ApiOkResponse({ type: AdminUserResponse })
  @ApiProblems([404, 'ACCOUNT.USER_NOT_FOUND'], [409, 'ACCOUNT.INVALID_TRANSITION'])
  reactivate(@Param('id', ParseUuidPipe) id: string, @CurrentPrincipal() principal: Principal): Promise<UserView> {
    return this.setStatus(id, 'reactivate', principal, null);
  }

  private async setStatus(
    id: string,
    transition: 'suspend' | 'reactivate',
    principal: Principal,
    reason: string | null,
  ): Promise<UserView> {
    const userId = id.toLowerCase();
    await this.commands.execute(new ChangeUserStatus(userId, transition, { type: 'user', id: principal.userId }, reason));
    const user = await this.queries.execute<GetUser, UserView | undefined>(new GetUser(userId));
    if (!user) throw AccessErrors.userNotFound();
    return user;
  }

  @Get('operators')
  @RequirePlatformPermission('platform:operators.manage')
  @ApiOperation({ summary: 'The platform operators' })
  @ApiOkResponse({ type: OperatorListResponse })
  async operators(): Promise<{ items: OperatorView[] }> {
    return { items: await this.queries.execute<ListOperators, OperatorView[]>(new ListOperators()) };
  }

  @Post('operators')
  @HttpCode(201)
  @RequirePlatformPermission('platform:operators.manage')
  @ApiOperation({
    summary: 'Make a user a platform operator',
    description: 'Only operators can; the first one comes from `cli bootstrap-admin`.',
  })
  @ApiCreatedResponse({ type: OperatorListResponse })
  @ApiProblems(INVALID, [404, 'ACCOUNT.USER_NOT_FOUND'], [409, 'ACCESS.ALREADY_OPERATOR', 'ACCESS.USER_NOT_ACTIVE'])
  async grant(
    @Body() body: GrantOperatorDto,
    @CurrentPrincipal() principal: Principal,
    @CurrentClient() client: ClientInfo,
  ): Promise<{ items: OperatorView[] }> {
    const userId = body.user_id.toLowerCase();
    const user = await this.queries.execute<GetUser, UserView | undefined>(new GetUser(userId));
    if (!user || user.status === 'deleted') throw AccessErrors.userNotFound();
    if (user.status !== 'active') throw AccessErrors.userNotActive();
    await this.commands.execute(new GrantPlatformRole(userId, principal, client));
    return this.operators();
  }

  @Delete('operators/:user_id')
  @HttpCode(204)
  @RequirePlatformPermission('platform:operators.manage')
  @ApiOperation({ summary: 'Take the platform-operator role from a user', description: 'Never from the last operator.' })
  @ApiNoContentResponse()
  @ApiProblems([404, 'ACCESS.NOT_OPERATOR'], [409, 'ACCESS.LAST_OPERATOR'])
  async revoke(
    @Param('user_id', ParseUuidPipe) userId: string,
    @CurrentPrincipal() principal: Principal,
    @CurrentClient() client: ClientInfo,
  ): Promise<void> {
    await this.commands.execute(new RevokePlatformRole(userId.toLowerCase(), principal, client));
  }
}
