import { Body, Controller, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  ApiProblems,
  type ClientInfo,
  CurrentClient,
  CurrentPrincipal,
  Idempotent,
  INVALID_REQUEST,
  type Principal,
  Public,
  RequirePlatformPermission,
  TOKEN_PROBLEMS,
} from '@user-engine/kernel';
import { CreatePlan } from '../commands/create-plan/create-plan.command';
import { SetPlanStatus } from '../commands/set-plan-status/set-plan-status.command';
import { UpdatePlan } from '../commands/update-plan/update-plan.command';
import { PLAN_KEY, type Entitlement } from '../domain/plans';
import { GetPlan } from '../queries/get-plan/get-plan.query';
import { ListPlans } from '../queries/list-plans/list-plans.query';
import type { PlanView } from '../queries/views';
import { SubscriptionErrors } from '../subscription.errors';
import { CreatePlanDto, PlanListResponse, PlanResponse, UpdatePlanDto } from './subscription.dto';

/** A path's plan key: one that cannot exist is not found without asking the database. */
export function planKeyOf(key: string): string {
  if (!PLAN_KEY.test(key)) throw SubscriptionErrors.planNotFound(key.slice(0, 40));
  return key;
}

const PLATFORM_ONLY: [number, ...string[]] = [403, 'AUTHZ.FORBIDDEN'];

/** The plan catalog: public to read, changed by platform operators. */
@ApiTags('plans')
@Controller('v1/plans')
export class PlansController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
  ) {}

  @Get()
  @Public()
  @ApiOperation({ summary: 'Plans on offer', description: 'Active plans, cheapest first. Archived plans are left out.' })
  @ApiOkResponse({ type: PlanListResponse })
  list(): Promise<{ items: PlanView[] }> {
    return this.queries.execute(new ListPlans(false));
  }

  @Get(':key')
  @Public()
  @ApiOperation({ summary: 'A plan', description: 'Archived plans too: their subscribers keep them.' })
  @ApiOkResponse({ type: PlanResponse })
  @ApiProblems([404, 'SUBSCRIPTION.PLAN_NOT_FOUND'])
  get(@Param('key') key: string): Promise<PlanView> {
    return this.queries.execute(new GetPlan(planKeyOf(key)));
  }

  @Post()
  @HttpCode(201)
  @Idempotent()
  @RequirePlatformPermission('platform:plans.manage')
  @ApiBearerAuth()
  @ApiOperation({ summary: 'Create a plan (platform operators)', description: 'Currency and trial days default from the configuration.' })
  @ApiCreatedResponse({ type: PlanResponse })
  @ApiProblems(TOKEN_PROBLEMS, PLATFORM_ONLY, INVALID_REQUEST, [409, 'SUBSCRIPTION.PLAN_EXISTS'])
  create(@Body() body: CreatePlanDto, @CurrentPrincipal() principal: Principal, @CurrentClient() client: ClientInfo): Promise<PlanView> {
    return this.commands.execute(new CreatePlan({ ...body }, principal, client));
  }

  @Patch(':key')
  @RequirePlatformPermission('platform:plans.manage')
  @ApiBearerAuth()
  @ApiOperation({
    summary: 'Change a plan (platform operators)',
    description:
      'Key, currency and interval are fixed. A new price applies to subscribers from their next renewal; features and seats at once.',
  })
  @ApiOkResponse({ type: PlanResponse })
  @ApiProblems(TOKEN_PROBLEMS, PLATFORM_ONLY, INVALID_REQUEST, [404, 'SUBSCRIPTION.PLAN_NOT_FOUND'])
  update(
    @Param('key') key: string,
    @Body() body: UpdatePlanDto,
    @CurrentPrincipal() principal: Principal,
    @CurrentClient() client: ClientInfo,
  ): Promise<PlanView> {
    const changes = { ...body, features: body.features as Record<string, Entitlement> | undefined };
    return this.commands.execute(new UpdatePlan(planKeyOf(key), changes, principal, client));
  }

  @Post(':key/archive')
  @HttpCode(200)
  @RequirePlatformPermission('platform:plans.manage')
  @ApiBearerAuth()
  @ApiOperation({ summary: 'Archive a plan (platform operators)', description: 'Its subscribers keep it; nobody new can choose it.' })
  @ApiOkResponse({ type: PlanResponse })
  @ApiProblems(TOKEN_PROBLEMS, PLATFORM_ONLY, [404, 'SUBSCRIPTION.PLAN_NOT_FOUND'])
  archive(@Param('key') key: string, @CurrentPrincipal() principal: Principal, @CurrentClient() client: ClientInfo): Promise<PlanView> {
    return this.commands.execute(new SetPlanStatus(planKeyOf(key), 'archived', principal, client));
  }

  @Post(':key/restore')
  @HttpCode(200)
  @RequirePlatformPermission('platform:plans.manage')
  @ApiBearerAuth()
  @ApiOperation({ summary: 'Offer an archived plan again (platform operators)' })
  @ApiOkResponse({ type: PlanResponse })
  @ApiProblems(TOKEN_PROBLEMS, PLATFORM_ONLY, [404, 'SUBSCRIPTION.PLAN_NOT_FOUND'])
  restore(@Param('key') key: string, @CurrentPrincipal() principal: Principal, @CurrentClient() client: ClientInfo): Promise<PlanView> {
    return this.commands.execute(new SetPlanStatus(planKeyOf(key), 'active', principal, client));
  }
}
