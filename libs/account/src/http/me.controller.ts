import { Body, Controller, Delete, Get, HttpCode, Param, Post, Res } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  ApiProblems,
  Authenticated,
  type ClientInfo,
  CurrentClient,
  CurrentPrincipal,
  ParseUuidPipe,
  type Principal,
} from '@user-engine/kernel';
import type { FastifyReply } from 'fastify';
import { AccountExtensions } from '../account-extensions';
import { AccountErrors } from '../account.errors';
import { ChangePassword } from '../commands/change-password/change-password.command';
import { DeleteAccount } from '../commands/delete-account/delete-account.command';
import { LinkIdentity } from '../commands/link-identity/link-identity.command';
import type { LinkResult } from '../commands/link-identity/link-identity.handler';
import { RevokeSession } from '../commands/revoke-session/revoke-session.command';
import { UnlinkIdentity } from '../commands/unlink-identity/unlink-identity.command';
import { GetUser } from '../queries/get-user/get-user.query';
import type { IdentityView } from '../queries/identity.view';
import { ListIdentities } from '../queries/list-identities/list-identities.query';
import { ListSessions } from '../queries/list-sessions/list-sessions.query';
import type { SessionView } from '../queries/list-sessions/list-sessions.handler';
import type { UserView } from '../queries/user.view';
import {
  ChangePasswordDto,
  ExternalLoginDto,
  IdentityListResponse,
  IdentityResponse,
  MeResponse,
  SessionListResponse,
} from './account.dto';

const TOKEN_PROBLEMS = [401, 'AUTH.UNAUTHENTICATED', 'AUTH.TOKEN_INVALID', 'AUTH.TOKEN_EXPIRED', 'AUTH.TOKEN_REVOKED'] as [
  number,
  ...string[],
];
const INVALID = [400, 'KERNEL.VALIDATION_FAILED', 'KERNEL.MALFORMED_JSON'] as [number, ...string[]];

@ApiTags('me')
@ApiBearerAuth()
@ApiProblems(TOKEN_PROBLEMS, [403, 'AUTHZ.TENANT_TOKEN'])
@Authenticated()
@Controller('v1/me')
export class MeController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
    private readonly extensions: AccountExtensions,
  ) {}

  @Get()
  @Authenticated({ tenantTokens: true })
  @ApiOperation({ summary: 'The signed-in user' })
  @ApiOkResponse({ type: MeResponse })
  @ApiProblems([404, 'ACCOUNT.USER_NOT_FOUND'])
  async me(@CurrentPrincipal() principal: Principal): Promise<MeResponse> {
    const user = await this.queries.execute<GetUser, UserView | undefined>(new GetUser(principal.userId));
    if (!user || user.status === 'deleted') throw AccountErrors.userNotFound();
    return { ...user, memberships: await this.extensions.membershipsOf(user.id) };
  }

  @Delete()
  @HttpCode(204)
  @ApiOperation({
    summary: 'Erase the account',
    description:
      'Personal data is scrubbed, credentials and sessions removed; a tombstone remains. Emits user.deleted. Needs a recent sign-in (ACCOUNT_REAUTH_MAX_AGE).',
  })
  @ApiNoContentResponse()
  @ApiProblems([403, 'AUTH.REAUTHENTICATION_REQUIRED'], [409, 'TENANCY.LAST_OWNER', 'ACCESS.LAST_OPERATOR'])
  async deleteMe(@CurrentPrincipal() principal: Principal, @CurrentClient() client: ClientInfo): Promise<void> {
    // Before the account's own transaction: the guards read other modules' data in their own scopes.
    await this.extensions.assertDeletable(principal.userId);
    await this.commands.execute(new DeleteAccount(principal.userId, { type: 'user', id: principal.userId }, client, principal.sessionId));
  }

  @Post('password')
  @HttpCode(204)
  @ApiOperation({ summary: 'Change the password', description: 'Needs the current password; every other session is revoked.' })
  @ApiNoContentResponse()
  @ApiProblems(
    INVALID,
    [400, 'ACCOUNT.CURRENT_PASSWORD_INVALID', 'ACCOUNT.PASSWORD_TOO_SHORT', 'ACCOUNT.PASSWORD_TOO_LONG', 'ACCOUNT.PASSWORD_TOO_COMMON'],
    [429, 'AUTH.TOO_MANY_ATTEMPTS'],
  )
  async changePassword(
    @Body() body: ChangePasswordDto,
    @CurrentPrincipal() principal: Principal,
    @CurrentClient() client: ClientInfo,
  ): Promise<void> {
    await this.commands.execute(
      new ChangePassword(principal.userId, principal.sessionId, body.current_password, body.new_password, client),
    );
  }

  @Get('sessions')
  @ApiOperation({ summary: 'Active sessions (device, IP, created, last used)' })
  @ApiOkResponse({ type: SessionListResponse })
  async sessions(@CurrentPrincipal() principal: Principal): Promise<{ items: SessionView[] }> {
    return { items: await this.queries.execute<ListSessions, SessionView[]>(new ListSessions(principal.userId, principal.sessionId)) };
  }

  @Delete('sessions/:id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Revoke a session', description: 'Its refresh token dies and its access tokens are refused at once.' })
  @ApiNoContentResponse()
  @ApiProblems([400, 'KERNEL.VALIDATION_FAILED'], [404, 'ACCOUNT.SESSION_NOT_FOUND'])
  async revokeSession(
    @Param('id', ParseUuidPipe) id: string,
    @CurrentPrincipal() principal: Principal,
    @CurrentClient() client: ClientInfo,
  ): Promise<void> {
    await this.commands.execute(new RevokeSession(principal.userId, id, 'revoked_by_user', client));
  }

  @Get('identities')
  @ApiOperation({ summary: 'Linked external identities' })
  @ApiOkResponse({ type: IdentityListResponse })
  async identities(@CurrentPrincipal() principal: Principal): Promise<{ items: IdentityView[] }> {
    return { items: await this.queries.execute<ListIdentities, IdentityView[]>(new ListIdentities(principal.userId)) };
  }

  @Post('identities')
  @ApiOperation({
    summary: 'Link an external identity',
    description:
      'Present an ID token of a configured OpenID Connect provider; 201 when linked (the owner is told by mail), 200 when it already was (to you). Needs a recent sign-in.',
  })
  @ApiCreatedResponse({ type: IdentityResponse })
  @ApiOkResponse({ type: IdentityResponse })
  @ApiProblems(
    INVALID,
    [400, 'ACCOUNT.UNKNOWN_PROVIDER', 'ACCOUNT.ID_TOKEN_INVALID'],
    [403, 'AUTH.REAUTHENTICATION_REQUIRED'],
    [409, 'ACCOUNT.IDENTITY_TAKEN'],
    [503, 'ACCOUNT.IDENTITY_PROVIDER_UNAVAILABLE'],
  )
  async link(
    @Body() body: ExternalLoginDto,
    @CurrentPrincipal() principal: Principal,
    @CurrentClient() client: ClientInfo,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<IdentityView> {
    const result = await this.commands.execute<LinkIdentity, LinkResult>(
      new LinkIdentity(principal.userId, principal.sessionId, body.provider, body.id_token, client),
    );
    reply.status(result.created ? 201 : 200);
    return result.identity;
  }

  @Delete('identities/:id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Unlink an external identity', description: 'Refused when it is the last way to sign in.' })
  @ApiNoContentResponse()
  @ApiProblems([400, 'KERNEL.VALIDATION_FAILED'], [404, 'ACCOUNT.IDENTITY_NOT_FOUND'], [409, 'ACCOUNT.LAST_SIGN_IN_METHOD'])
  async unlink(
    @Param('id', ParseUuidPipe) id: string,
    @CurrentPrincipal() principal: Principal,
    @CurrentClient() client: ClientInfo,
  ): Promise<void> {
    await this.commands.execute(new UnlinkIdentity(principal.userId, id, client));
  }
}
