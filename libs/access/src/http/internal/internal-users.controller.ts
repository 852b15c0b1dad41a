import { Body, Controller, Get, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type { InternalIdentityV1, InternalUserBatchV1, InternalUserListV1, InternalUserV1 } from '@user-engine/contracts';
import { FindUserByEmail, GetUsersByIds, type LinkResult, LinkTrustedIdentity, type UserView } from '@user-engine/account';
import {
  ApiProblems,
  type ClientInfo,
  CurrentClient,
  CurrentService,
  normaliseEmail,
  ParseUuidPipe,
  RequireServiceScope,
  Scopes,
  type ServicePrincipal,
  UnitOfWork,
} from '@user-engine/kernel';
import { GetMembership, type MemberView } from '@user-engine/tenancy';
import { AccessErrors } from '../../access.errors';
import { INTERNAL_API, INTERNAL_KEY_PROBLEMS, INVALID } from './internal-problems';
import {
  InternalIdentityResponse,
  InternalLinkIdentityDto,
  InternalUserBatchDto,
  InternalUserBatchResponse,
  InternalUserListResponse,
  InternalUserQueryDto,
  InternalUserResponse,
} from './internal.dto';

const toInternalUser = (u: UserView): InternalUserV1 => ({
  id: u.id,
  email: u.email,
  email_verified: u.email_verified,
  status: u.status,
  display_name: u.display_name,
  created_at: u.created_at,
});

/**
 * User lookups for sibling services, through the account module's exported queries. A key bound to
 * one tenant sees only that tenant's members: anyone else reads as not found.
 */
@ApiTags('internal: users')
@ApiBearerAuth(INTERNAL_API)
@ApiProblems(...INTERNAL_KEY_PROBLEMS)
@Controller('internal/v1/users')
export class InternalUsersController {
  constructor(
    private readonly queries: QueryBus,
    private readonly commands: CommandBus,
    private readonly uow: UnitOfWork,
  ) {}

  @Get()
  @RequireServiceScope('users:read')
  @ApiOperation({ summary: 'A user by email', description: 'Zero or one user, compared case-insensitively.' })
  @ApiOkResponse({ type: InternalUserListResponse })
  @ApiProblems(INVALID)
  async byEmail(@Query() q: InternalUserQueryDto, @CurrentService() service: ServicePrincipal): Promise<InternalUserListV1> {
    const user = await this.queries.execute<FindUserByEmail, UserView | undefined>(new FindUserByEmail(normaliseEmail(q.email)));
    return { items: user && (await this.visible(service, [user.id])).has(user.id) ? [toInternalUser(user)] : [] };
  }

  @Post('batch')
  @HttpCode(200)
  @RequireServiceScope('users:read')
  @ApiOperation({ summary: 'Users by id', description: 'Up to 100 ids; the users in the order asked and the ids with no user.' })
  @ApiOkResponse({ type: InternalUserBatchResponse })
  @ApiProblems(INVALID)
  async batch(@Body() body: InternalUserBatchDto, @CurrentService() service: ServicePrincipal): Promise<InternalUserBatchV1> {
    const ids = [...new Set(body.ids.map((id) => id.toLowerCase()))];
    const found = await this.queries.execute<GetUsersByIds, UserView[]>(new GetUsersByIds(ids));
    const visible = await this.visible(
      service,
      found.map((u) => u.id),
    );
    const byId = new Map(found.filter((u) => visible.has(u.id)).map((u) => [u.id, u]));
    return {
      items: ids.filter((id) => byId.has(id)).map((id) => toInternalUser(byId.get(id)!)),
      missing: ids.filter((id) => !byId.has(id)),
    };
  }

  @Get(':id')
  @RequireServiceScope('users:read')
  @ApiOperation({ summary: 'A user' })
  @ApiOkResponse({ type: InternalUserResponse })
  @ApiProblems(INVALID, [404, 'ACCOUNT.USER_NOT_FOUND'])
  async byId(@Param('id', ParseUuidPipe) id: string, @CurrentService() service: ServicePrincipal): Promise<InternalUserV1> {
    const [user] = await this.queries.execute<GetUsersByIds, UserView[]>(new GetUsersByIds([id.toLowerCase()]));
    if (!user || !(await this.visible(service, [user.id])).has(user.id)) throw AccessErrors.userNotFound();
    return toInternalUser(user);
  }

  @Post(':id/identities')
  @HttpCode(201)
  @RequireServiceScope('identities:link')
  @ApiOperation({
    summary: 'Link an external identity to a user',
    description:
      'For a trusted caller: the service vouches for the provider subject (no ID token). The user is told by mail. ' +
      'Linking an identity the user already has answers 200; one linked to another user, 409.',
  })
  @ApiCreatedResponse({ type: InternalIdentityResponse })
  @ApiOkResponse({ type: InternalIdentityResponse, description: 'Already linked to this user.' })
  @ApiProblems(INVALID, [404, 'ACCOUNT.USER_NOT_FOUND'], [409, 'ACCOUNT.IDENTITY_TAKEN'])
  async link(
    @Param('id', ParseUuidPipe) id: string,
    @Body() body: InternalLinkIdentityDto,
    @CurrentService() service: ServicePrincipal,
    @CurrentClient() client: ClientInfo,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<InternalIdentityV1> {
    const userId = id.toLowerCase();
    const result = await this.commands.execute<LinkTrustedIdentity, LinkResult>(
      new LinkTrustedIdentity(userId, body.provider, body.subject, { applicationId: service.applicationId, keyId: service.keyId }, client),
    );
    reply.status(result.created ? 201 : 200);
    const i = result.identity;
    return { id: i.id, user_id: userId, provider: i.provider, subject: i.subject, linked_at: i.created_at };
  }

  /** Of `userIds`, the ones this key may see: all for a platform-wide key, its tenant's members for a bound one. */
  private async visible(service: ServicePrincipal, userIds: string[]): Promise<Set<string>> {
    const tenantId = service.tenantId;
    if (!tenantId) return new Set(userIds);
    return this.uow.run(Scopes.tenant(tenantId), async () => {
      const members = new Set<string>();
      for (const userId of userIds) {
        const m = await this.queries.execute<GetMembership, MemberView | undefined>(new GetMembership(tenantId, userId));
        if (m) members.add(userId);
      }
      return members;
    });
  }
}
