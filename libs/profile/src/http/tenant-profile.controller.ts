import { Body, Controller, Get, Param, Patch } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  ApiProblems,
  type ClientInfo,
  CurrentClient,
  CurrentPrincipal,
  INVALID_REQUEST,
  ParseUuidPipe,
  type Principal,
  RequireMembership,
  RequirePermission,
  TENANT_ACCESS_PROBLEMS,
  TOKEN_PROBLEMS,
} from '@user-engine/kernel';
import { GetMembership, type MemberView } from '@user-engine/tenancy';
import { UpdateProfile } from '../commands/update-profile/update-profile.command';
import { ProfileErrors } from '../profile.errors';
import { GetEffectiveProfile } from '../queries/get-effective-profile/get-effective-profile.query';
import type { EffectiveProfileView } from '../queries/views';
import { fieldsOf } from './fields-of';
import { EffectiveProfileResponse, UpdateTenantProfileDto } from './profile.dto';

/**
 * Profiles inside a tenant: my layer there, and (with `profile:read`) members' effective profiles.
 * A layer is a member's own: platform operators, who act in every tenant, have none where they are
 * not members (`own`: they get the non-member's 404).
 */
@ApiTags('profile')
@ApiBearerAuth()
@ApiProblems(TOKEN_PROBLEMS, ...TENANT_ACCESS_PROBLEMS)
@Controller('v1/tenants/:tenant_id')
export class TenantProfileController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
  ) {}

  @Get('profile')
  @RequireMembership({ own: true })
  @ApiOperation({
    summary: 'My effective profile in this tenant',
    description: 'The global profile overlaid by my layer in this tenant, with where each value comes from.',
  })
  @ApiOkResponse({ type: EffectiveProfileResponse })
  get(@Param('tenant_id', ParseUuidPipe) tenantId: string, @CurrentPrincipal() principal: Principal): Promise<EffectiveProfileView> {
    return this.queries.execute(new GetEffectiveProfile(tenantId, principal.userId));
  }

  @Patch('profile')
  @RequireMembership({ own: true })
  @ApiOperation({
    summary: 'Change my layer in this tenant',
    description:
      'Overrides of the global fields (and a title) inside this tenant: left out stays, null removes the override. Tenant-scoped ' +
      'application attributes go under `attributes.{application_key}`. Answers the new effective profile; emits profile.updated.',
  })
  @ApiOkResponse({ type: EffectiveProfileResponse })
  @ApiProblems(INVALID_REQUEST)
  update(
    @Param('tenant_id', ParseUuidPipe) tenantId: string,
    @Body() body: UpdateTenantProfileDto,
    @CurrentPrincipal() principal: Principal,
    @CurrentClient() client: ClientInfo,
  ): Promise<EffectiveProfileView> {
    return this.commands.execute(new UpdateProfile(principal.userId, tenantId, fieldsOf({ ...body }), body.attributes, principal, client));
  }

  @Get('members/:user_id/profile')
  @RequirePermission('profile:read')
  @ApiOperation({ summary: "A member's effective profile in this tenant", description: 'Needs profile:read (admins and owners).' })
  @ApiOkResponse({ type: EffectiveProfileResponse })
  @ApiProblems(INVALID_REQUEST, [404, 'TENANCY.MEMBER_NOT_FOUND'])
  async member(
    @Param('tenant_id', ParseUuidPipe) tenantId: string,
    @Param('user_id', ParseUuidPipe) userId: string,
  ): Promise<EffectiveProfileView> {
    const member = await this.queries.execute<GetMembership, MemberView | undefined>(new GetMembership(tenantId, userId.toLowerCase()));
    if (!member) throw ProfileErrors.memberNotFound();
    return this.queries.execute(new GetEffectiveProfile(tenantId, member.user_id));
  }
}
