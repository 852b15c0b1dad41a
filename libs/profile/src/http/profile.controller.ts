import { Body, Controller, Get, Patch } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  ApiProblems,
  Authenticated,
  type ClientInfo,
  CurrentClient,
  CurrentPrincipal,
  INVALID_REQUEST,
  type Principal,
  TOKEN_PROBLEMS,
} from '@user-engine/kernel';
import { UpdateProfile } from '../commands/update-profile/update-profile.command';
import { GetProfile } from '../queries/get-profile/get-profile.query';
import type { ProfileView } from '../queries/views';
import { ProfileResponse, UpdateProfileDto } from './profile.dto';
import { fieldsOf } from './fields-of';

@ApiTags('profile')
@ApiBearerAuth()
@ApiProblems(TOKEN_PROBLEMS)
@Controller('v1/profile')
export class ProfileController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
  ) {}

  @Get()
  @Authenticated({ tenantTokens: true })
  @ApiOperation({ summary: 'My global profile', description: 'With the values of global application attributes.' })
  @ApiOkResponse({ type: ProfileResponse })
  get(@CurrentPrincipal() principal: Principal): Promise<ProfileView> {
    return this.queries.execute(new GetProfile(principal.userId));
  }

  @Patch()
  @Authenticated()
  @ApiOperation({
    summary: 'Change my global profile',
    description:
      'A partial update: fields left out stay, null clears one. Application attributes go under `attributes.{application_key}` and are ' +
      'checked against the published catalogs (global-scoped ones only). Emits profile.updated when something changed.',
  })
  @ApiOkResponse({ type: ProfileResponse })
  @ApiProblems(INVALID_REQUEST, [403, 'AUTHZ.TENANT_TOKEN'])
  update(
    @Body() body: UpdateProfileDto,
    @CurrentPrincipal() principal: Principal,
    @CurrentClient() client: ClientInfo,
  ): Promise<ProfileView> {
    return this.commands.execute(new UpdateProfile(principal.userId, null, fieldsOf({ ...body }), body.attributes, principal, client));
  }
}
