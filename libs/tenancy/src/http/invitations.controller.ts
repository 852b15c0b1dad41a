import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  ApiProblems,
  Authenticated,
  type ClientInfo,
  CurrentClient,
  CurrentPrincipal,
  Idempotent,
  normaliseEmail,
  type Page,
  ParseUuidPipe,
  type Principal,
  RequirePermission,
} from '@user-engine/kernel';
import { AcceptInvitation } from '../commands/accept-invitation/accept-invitation.command';
import type { AcceptedInvitation } from '../commands/accept-invitation/accept-invitation.handler';
import { InviteMember } from '../commands/invite-member/invite-member.command';
import { ResendInvitation } from '../commands/resend-invitation/resend-invitation.command';
import { RevokeInvitation } from '../commands/revoke-invitation/revoke-invitation.command';
import { ListInvitations } from '../queries/list-invitations/list-invitations.query';
import type { InvitationView } from '../queries/views';
import { INVALID, TENANT_ACCESS, TOKEN_PROBLEMS } from './problems';
import {
  AcceptedInvitationResponse,
  AcceptInvitationDto,
  InvitationListResponse,
  InvitationQueryDto,
  InvitationResponse,
  InviteDto,
} from './tenancy.dto';

@ApiTags('invitations')
@ApiBearerAuth()
@ApiProblems(TOKEN_PROBLEMS, ...TENANT_ACCESS)
@Controller('v1/tenants/:tenant_id/invitations')
export class InvitationsController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
  ) {}

  @Post()
  @HttpCode(201)
  @Idempotent()
  @RequirePermission('members:invite')
  @ApiOperation({
    summary: 'Invite someone by email',
    description: 'Mails a single-use link valid for TENANCY_INVITATION_TTL. Roles default to viewer; you can only grant what you hold.',
  })
  @ApiCreatedResponse({ type: InvitationResponse })
  @ApiProblems(INVALID, [400, 'ACCESS.UNKNOWN_ROLE'], [409, 'TENANCY.ALREADY_MEMBER', 'TENANCY.ALREADY_INVITED'])
  invite(
    @Param('tenant_id', ParseUuidPipe) tenantId: string,
    @Body() body: InviteDto,
    @CurrentPrincipal() principal: Principal,
    @CurrentClient() client: ClientInfo,
  ): Promise<InvitationView> {
    return this.commands.execute(new InviteMember(tenantId, normaliseEmail(body.email), body.roles ?? ['viewer'], principal, client));
  }

  @Get()
  @RequirePermission('members:invite')
  @ApiOperation({ summary: "The tenant's invitations", description: 'Newest first; `expired` are open ones past their expiry.' })
  @ApiOkResponse({ type: InvitationListResponse })
  @ApiProblems(INVALID)
  list(@Param('tenant_id', ParseUuidPipe) tenantId: string, @Query() q: InvitationQueryDto): Promise<Page<InvitationView>> {
    return this.queries.execute(new ListInvitations(tenantId, { status: q.status }, q));
  }

  @Post(':invitation_id/resend')
  @HttpCode(200)
  @RequirePermission('members:invite')
  @ApiOperation({ summary: 'Send an open invitation again', description: 'A new link (the old one stops working) and a fresh expiry.' })
  @ApiOkResponse({ type: InvitationResponse })
  @ApiProblems([404, 'TENANCY.INVITATION_NOT_FOUND'])
  resend(
    @Param('tenant_id', ParseUuidPipe) tenantId: string,
    @Param('invitation_id', ParseUuidPipe) id: string,
    @CurrentPrincipal() principal: Principal,
    @CurrentClient() client: ClientInfo,
  ): Promise<InvitationView> {
    return this.commands.execute(new ResendInvitation(tenantId, id.toLowerCase(), principal, client));
  }

  @Delete(':invitation_id')
  @HttpCode(204)
  @RequirePermission('members:invite')
  @ApiOperation({ summary: 'Revoke an open invitation' })
  @ApiNoContentResponse()
  @ApiProblems([404, 'TENANCY.INVITATION_NOT_FOUND'])
  async revoke(
    @Param('tenant_id', ParseUuidPipe) tenantId: string,
    @Param('invitation_id', ParseUuidPipe) id: string,
    @CurrentPrincipal() principal: Principal,
    @CurrentClient() client: ClientInfo,
  ): Promise<void> {
    await this.commands.execute(new RevokeInvitation(tenantId, id.toLowerCase(), principal, client));
  }
}

@ApiTags('invitations')
@ApiBearerAuth()
@ApiProblems(TOKEN_PROBLEMS, [403, 'AUTHZ.TENANT_TOKEN'])
@Controller('v1/invitations')
export class InvitationAcceptController {
  constructor(private readonly commands: CommandBus) {}

  @Post('accept')
  @HttpCode(200)
  @Authenticated()
  @ApiOperation({
    summary: 'Accept an invitation',
    description: "Your account's verified email must be the invited address. Emits membership.added.",
  })
  @ApiOkResponse({ type: AcceptedInvitationResponse })
  @ApiProblems(INVALID, [400, 'TENANCY.INVITATION_INVALID'], [403, 'TENANCY.INVITATION_EMAIL_MISMATCH'], [409, 'TENANCY.ALREADY_MEMBER'])
  accept(
    @Body() body: AcceptInvitationDto,
    @CurrentPrincipal() principal: Principal,
    @CurrentClient() client: ClientInfo,
  ): Promise<AcceptedInvitation> {
    return this.commands.execute(new AcceptInvitation(body.token, principal, client));
  }
}
