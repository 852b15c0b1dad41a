import { Body, Controller, Get, HttpCode, Param, Post, Put, Query } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  ApiProblems,
  Authenticated,
  type ClientInfo,
  CurrentClient,
  CurrentPrincipal,
  INVALID_REQUEST,
  type Page,
  PageQueryDto,
  ParseUuidPipe,
  type Principal,
  RequireMembership,
  RequirePermission,
  TENANT_ACCESS_PROBLEMS,
  TOKEN_PROBLEMS,
} from '@user-engine/kernel';
import type { InternalEntitlementsV1 } from '@user-engine/contracts';
import { CancelSubscription } from '../commands/cancel-subscription/cancel-subscription.command';
import { ChangePlan } from '../commands/change-plan/change-plan.command';
import { ResumeSubscription } from '../commands/resume-subscription/resume-subscription.command';
import { SetMemberPlan } from '../commands/set-member-plan/set-member-plan.command';
import type { MemberPlanView } from '../commands/set-member-plan/set-member-plan.handler';
import { type Subject, tenantSubject, userSubject } from '../domain/subject';
import { GetEntitlements } from '../queries/get-entitlements/get-entitlements.query';
import { GetSubscription } from '../queries/get-subscription/get-subscription.query';
import { ListCharges } from '../queries/list-charges/list-charges.query';
import type { ChargeView, SubscriptionView } from '../queries/views';
import {
  CancelSubscriptionDto,
  ChangePlanDto,
  ChargePageResponse,
  EntitlementsResponse,
  MemberPlanResponse,
  SetMemberPlanDto,
  SubscriptionResponse,
} from './subscription.dto';

const CHANGE_PROBLEMS: [number, ...string[]][] = [
  INVALID_REQUEST,
  [404, 'SUBSCRIPTION.PLAN_NOT_FOUND'],
  [409, 'SUBSCRIPTION.PLAN_ARCHIVED', 'SUBSCRIPTION.SAME_PLAN', 'SUBSCRIPTION.CURRENCY_MISMATCH', 'SUBSCRIPTION.PAST_DUE'],
];
const CHANGE_DOC =
  'An upgrade (dearer per year) applies at once and charges the price difference for the rest of the period (whole UTC days, the ' +
  'day of the change counted, rounded half up; a change of interval starts a new period and credits the unused part); during a ' +
  'trial it ends the trial and charges the new plan in full. A downgrade (or an equal price) waits for the end of the period or ' +
  'trial; asking for the current plan withdraws it. Without a current subscription a paid one starts now. A scheduled cancellation ' +
  'is withdrawn by any change.';

/** The same operations on a user's own subscription and on a tenant's. */
abstract class SubscriptionRoutes {
  constructor(
    protected readonly commands: CommandBus,
    protected readonly queries: QueryBus,
  ) {}

  protected get(subject: Subject): Promise<SubscriptionView> {
    return this.queries.execute(new GetSubscription(subject));
  }

  protected charges(subject: Subject, page: PageQueryDto): Promise<Page<ChargeView>> {
    return this.queries.execute(new ListCharges(subject, { limit: page.limit, cursor: page.cursor }));
  }

  protected change(subject: Subject, body: ChangePlanDto, principal: Principal, client: ClientInfo): Promise<SubscriptionView> {
    return this.commands.execute(new ChangePlan(subject, body.plan_key, { type: 'user', id: principal.userId }, client));
  }

  protected cancel(subject: Subject, body: CancelSubscriptionDto, principal: Principal, client: ClientInfo): Promise<SubscriptionView> {
    return this.commands.execute(
      new CancelSubscription(subject, body.at_period_end ?? true, { type: 'user', id: principal.userId }, client),
    );
  }

  protected resume(subject: Subject, principal: Principal, client: ClientInfo): Promise<SubscriptionView> {
    return this.commands.execute(new ResumeSubscription(subject, { type: 'user', id: principal.userId }, client));
  }
}

@ApiTags('subscriptions')
@ApiBearerAuth()
@ApiProblems(TOKEN_PROBLEMS)
@Controller('v1/me/subscription')
export class MySubscriptionController extends SubscriptionRoutes {
  constructor(commands: CommandBus, queries: QueryBus) {
    super(commands, queries);
  }

  @Get()
  @Authenticated({ tenantTokens: true })
  @ApiOperation({ summary: 'My own subscription', description: 'The current one, else the one that ended last (with its status).' })
  @ApiOkResponse({ type: SubscriptionResponse })
  @ApiProblems([404, 'SUBSCRIPTION.NOT_FOUND'])
  mine(@CurrentPrincipal() principal: Principal): Promise<SubscriptionView> {
    return this.get(userSubject(principal.userId));
  }

  @Get('charges')
  @Authenticated({ tenantTokens: true })
  @ApiOperation({ summary: 'My charges', description: 'Newest first, over all my subscriptions.' })
  @ApiOkResponse({ type: ChargePageResponse })
  @ApiProblems(INVALID_REQUEST)
  myCharges(@Query() page: PageQueryDto, @CurrentPrincipal() principal: Principal): Promise<Page<ChargeView>> {
    return this.charges(userSubject(principal.userId), page);
  }

  @Post('change')
  @HttpCode(200)
  @Authenticated()
  @ApiOperation({ summary: 'Change my plan', description: CHANGE_DOC })
  @ApiOkResponse({ type: SubscriptionResponse })
  @ApiProblems(...CHANGE_PROBLEMS, [403, 'AUTHZ.TENANT_TOKEN'])
  changeMine(
    @Body() body: ChangePlanDto,
    @CurrentPrincipal() principal: Principal,
    @CurrentClient() client: ClientInfo,
  ): Promise<SubscriptionView> {
    return this.change(userSubject(principal.userId), body, principal, client);
  }

  @Post('cancel')
  @HttpCode(200)
  @Authenticated()
  @ApiOperation({
    summary: 'Cancel my subscription',
    description: 'At the end of the period by default (resumable until then), or at once.',
  })
  @ApiOkResponse({ type: SubscriptionResponse })
  @ApiProblems(INVALID_REQUEST, [404, 'SUBSCRIPTION.NOT_FOUND'], [403, 'AUTHZ.TENANT_TOKEN'])
  cancelMine(
    @Body() body: CancelSubscriptionDto,
    @CurrentPrincipal() principal: Principal,
    @CurrentClient() client: ClientInfo,
  ): Promise<SubscriptionView> {
    return this.cancel(userSubject(principal.userId), body, principal, client);
  }

  @Post('resume')
  @HttpCode(200)
  @Authenticated()
  @ApiOperation({ summary: 'Resume my subscription', description: 'Withdraws a cancellation scheduled for the end of the period.' })
  @ApiOkResponse({ type: SubscriptionResponse })
  @ApiProblems([404, 'SUBSCRIPTION.NOT_FOUND'], [409, 'SUBSCRIPTION.NOT_CANCELING'], [403, 'AUTHZ.TENANT_TOKEN'])
  resumeMine(@CurrentPrincipal() principal: Principal, @CurrentClient() client: ClientInfo): Promise<SubscriptionView> {
    return this.resume(userSubject(principal.userId), principal, client);
  }
}

@ApiTags('subscriptions')
@ApiBearerAuth()
@ApiProblems(TOKEN_PROBLEMS, ...TENANT_ACCESS_PROBLEMS)
@Controller('v1/tenants/:tenant_id')
export class TenantSubscriptionController extends SubscriptionRoutes {
  constructor(commands: CommandBus, queries: QueryBus) {
    super(commands, queries);
  }

  @Get('subscription')
  @RequirePermission('subscription:read')
  @ApiOperation({
    summary: "The tenant's subscription",
    description: 'The current one, else the one that ended last. Needs subscription:read.',
  })
  @ApiOkResponse({ type: SubscriptionResponse })
  @ApiProblems([404, 'SUBSCRIPTION.NOT_FOUND'])
  tenant(@Param('tenant_id', ParseUuidPipe) tenantId: string): Promise<SubscriptionView> {
    return this.get(tenantSubject(tenantId));
  }

  @Get('subscription/charges')
  @RequirePermission('subscription:read')
  @ApiOperation({ summary: "The tenant's charges", description: 'Newest first. Needs subscription:read.' })
  @ApiOkResponse({ type: ChargePageResponse })
  @ApiProblems(INVALID_REQUEST)
  tenantCharges(@Param('tenant_id', ParseUuidPipe) tenantId: string, @Query() page: PageQueryDto): Promise<Page<ChargeView>> {
    return this.charges(tenantSubject(tenantId), page);
  }

  @Post('subscription/change')
  @HttpCode(200)
  @RequirePermission('subscription:manage')
  @ApiOperation({
    summary: "Change the tenant's plan",
    description: `${CHANGE_DOC} Never to a plan with fewer seats than active members. Needs subscription:manage.`,
  })
  @ApiOkResponse({ type: SubscriptionResponse })
  @ApiProblems(...CHANGE_PROBLEMS, [409, 'SUBSCRIPTION.SEAT_LIMIT'])
  changeTenant(
    @Param('tenant_id', ParseUuidPipe) tenantId: string,
    @Body() body: ChangePlanDto,
    @CurrentPrincipal() principal: Principal,
    @CurrentClient() client: ClientInfo,
  ): Promise<SubscriptionView> {
    return this.change(tenantSubject(tenantId), body, principal, client);
  }

  @Post('subscription/cancel')
  @HttpCode(200)
  @RequirePermission('subscription:manage')
  @ApiOperation({
    summary: "Cancel the tenant's subscription",
    description: 'At the end of the period by default, or at once. Needs subscription:manage.',
  })
  @ApiOkResponse({ type: SubscriptionResponse })
  @ApiProblems(INVALID_REQUEST, [404, 'SUBSCRIPTION.NOT_FOUND'])
  cancelTenant(
    @Param('tenant_id', ParseUuidPipe) tenantId: string,
    @Body() body: CancelSubscriptionDto,
    @CurrentPrincipal() principal: Principal,
    @CurrentClient() client: ClientInfo,
  ): Promise<SubscriptionView> {
    return this.cancel(tenantSubject(tenantId), body, principal, client);
  }

  @Post('subscription/resume')
  @HttpCode(200)
  @RequirePermission('subscription:manage')
  @ApiOperation({
    summary: "Resume the tenant's subscription",
    description: 'Withdraws a scheduled cancellation. Needs subscription:manage.',
  })
  @ApiOkResponse({ type: SubscriptionResponse })
  @ApiProblems([404, 'SUBSCRIPTION.NOT_FOUND'], [409, 'SUBSCRIPTION.NOT_CANCELING'])
  resumeTenant(
    @Param('tenant_id', ParseUuidPipe) tenantId: string,
    @CurrentPrincipal() principal: Principal,
    @CurrentClient() client: ClientInfo,
  ): Promise<SubscriptionView> {
    return this.resume(tenantSubject(tenantId), principal, client);
  }

  @Get('entitlements')
  @RequireMembership()
  @ApiOperation({
    summary: 'What my plan includes here',
    description: "My plan in this tenant (my membership's override, else the tenant's, else my own), its features, and the tenant's seats.",
  })
  @ApiOkResponse({ type: EntitlementsResponse })
  entitlements(
    @Param('tenant_id', ParseUuidPipe) tenantId: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<InternalEntitlementsV1> {
    return this.queries.execute(new GetEntitlements(tenantId, principal.userId));
  }

  @Put('members/:user_id/plan')
  @RequirePermission('subscription:manage')
  @ApiOperation({
    summary: "Set a member's own plan",
    description:
      "Overrides the tenant's plan for this member (their tokens' plan claim and entitlements); null removes it. Needs subscription:manage.",
  })
  @ApiOkResponse({ type: MemberPlanResponse })
  @ApiProblems(INVALID_REQUEST, [404, 'TENANCY.MEMBER_NOT_FOUND', 'SUBSCRIPTION.PLAN_NOT_FOUND'], [409, 'SUBSCRIPTION.PLAN_ARCHIVED'])
  setMemberPlan(
    @Param('tenant_id', ParseUuidPipe) tenantId: string,
    @Param('user_id', ParseUuidPipe) userId: string,
    @Body() body: SetMemberPlanDto,
    @CurrentPrincipal() principal: Principal,
    @CurrentClient() client: ClientInfo,
  ): Promise<MemberPlanView> {
    return this.commands.execute(new SetMemberPlan(tenantId, userId.toLowerCase(), body.plan_key, principal, client));
  }
}
