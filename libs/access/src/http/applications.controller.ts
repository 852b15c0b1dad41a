import { Body, Controller, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  ApiProblems,
  type ClientInfo,
  CurrentClient,
  CurrentPrincipal,
  KernelErrors,
  type Page,
  ParseUuidPipe,
  type Principal,
  RequirePlatformPermission,
} from '@user-engine/kernel';
import { AccessErrors } from '../access.errors';
import { RegisterApplication } from '../commands/register-application/register-application.command';
import { UpdateApplication } from '../commands/update-application/update-application.command';
import type { ApplicationView } from '../queries/list-applications/application.view';
import { GetApplication } from '../queries/get-application/get-application.query';
import { ListApplications } from '../queries/list-applications/list-applications.query';
import {
  ApplicationListResponse,
  ApplicationQueryDto,
  ApplicationResponse,
  RegisterApplicationDto,
  UpdateApplicationDto,
} from './access.dto';
import { INVALID, PLATFORM_ONLY, TOKEN_PROBLEMS } from './problems';

@ApiTags('applications')
@ApiBearerAuth()
@ApiProblems(TOKEN_PROBLEMS, PLATFORM_ONLY)
@Controller('v1/applications')
export class ApplicationsController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
  ) {}

  @Post()
  @HttpCode(201)
  @RequirePlatformPermission('platform:applications.manage')
  @ApiOperation({
    summary: 'Register an application (a sibling service)',
    description: 'Its key namespaces the permissions it will publish.',
  })
  @ApiCreatedResponse({ type: ApplicationResponse })
  @ApiProblems(INVALID, [409, 'ACCESS.APPLICATION_KEY_TAKEN'])
  register(
    @Body() body: RegisterApplicationDto,
    @CurrentPrincipal() principal: Principal,
    @CurrentClient() client: ClientInfo,
  ): Promise<ApplicationView> {
    return this.commands.execute(new RegisterApplication(body.key, body.name, body.description ?? null, principal, client));
  }

  @Get()
  @RequirePlatformPermission('platform:applications.read')
  @ApiOperation({ summary: 'The registered applications', description: 'Oldest first; filter by status.' })
  @ApiOkResponse({ type: ApplicationListResponse })
  @ApiProblems(INVALID)
  list(@Query() q: ApplicationQueryDto): Promise<Page<ApplicationView>> {
    return this.queries.execute(new ListApplications({ status: q.status }, q));
  }

  @Get(':id')
  @RequirePlatformPermission('platform:applications.read')
  @ApiOperation({ summary: 'An application' })
  @ApiOkResponse({ type: ApplicationResponse })
  @ApiProblems([404, 'ACCESS.APPLICATION_NOT_FOUND'])
  async get(@Param('id', ParseUuidPipe) id: string): Promise<ApplicationView> {
    const found = await this.queries.execute<GetApplication, ApplicationView | undefined>(new GetApplication(id.toLowerCase()));
    if (!found) throw AccessErrors.applicationNotFound();
    return found;
  }

  @Patch(':id')
  @RequirePlatformPermission('platform:applications.manage')
  @ApiOperation({ summary: 'Rename or re-describe an application', description: 'The key never changes.' })
  @ApiOkResponse({ type: ApplicationResponse })
  @ApiProblems(INVALID, [404, 'ACCESS.APPLICATION_NOT_FOUND'])
  update(
    @Param('id', ParseUuidPipe) id: string,
    @Body() body: UpdateApplicationDto,
    @CurrentPrincipal() principal: Principal,
    @CurrentClient() client: ClientInfo,
  ): Promise<ApplicationView> {
    if (body.name === undefined && body.description === undefined) {
      throw KernelErrors.validation([{ path: 'name', message: 'give name or description (or both)', rule: 'atLeastOne' }]);
    }
    return this.commands.execute(
      new UpdateApplication(id.toLowerCase(), { name: body.name, description: body.description }, principal, client),
    );
  }

  @Post(':id/disable')
  @HttpCode(200)
  @RequirePlatformPermission('platform:applications.manage')
  @ApiOperation({ summary: 'Disable an application', description: 'Its credentials stop working (API keys arrive with the internal API).' })
  @ApiOkResponse({ type: ApplicationResponse })
  @ApiProblems([404, 'ACCESS.APPLICATION_NOT_FOUND'])
  disable(
    @Param('id', ParseUuidPipe) id: string,
    @CurrentPrincipal() principal: Principal,
    @CurrentClient() client: ClientInfo,
  ): Promise<ApplicationView> {
    return this.commands.execute(new UpdateApplication(id.toLowerCase(), { status: 'disabled' }, principal, client));
  }

  @Post(':id/enable')
  @HttpCode(200)
  @RequirePlatformPermission('platform:applications.manage')
  @ApiOperation({ summary: 'Enable a disabled application' })
  @ApiOkResponse({ type: ApplicationResponse })
  @ApiProblems([404, 'ACCESS.APPLICATION_NOT_FOUND'])
  enable(
    @Param('id', ParseUuidPipe) id: string,
    @CurrentPrincipal() principal: Principal,
    @CurrentClient() client: ClientInfo,
  ): Promise<ApplicationView> {
    return this.commands.execute(new UpdateApplication(id.toLowerCase(), { status: 'active' }, principal, client));
  }
}
