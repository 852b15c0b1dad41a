import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
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
  RequirePlatformPermission,
  TOKEN_PROBLEMS,
} from '@user-engine/kernel';
import { RecordPayment } from '../commands/record-payment/record-payment.command';
import { GetSubscription } from '../queries/get-subscription/get-subscription.query';
import { ListPlans } from '../queries/list-plans/list-plans.query';
import type { ChargeView, PlanView, SubscriptionView } from '../queries/views';
import { ChargeResponse, PaymentDto, PlanListResponse, SubscriptionResponse } from './subscription.dto';

export const PAYMENT_PROBLEMS: [number, ...string[]][] = [
  INVALID_REQUEST,
  [404, 'SUBSCRIPTION.CHARGE_NOT_FOUND'],
  [409, 'SUBSCRIPTION.CHARGE_SETTLED'],
];

/** Platform administration of plans and subscriptions (operators). */
@ApiTags('admin')
@ApiBearerAuth()
@ApiProblems(TOKEN_PROBLEMS, [403, 'AUTHZ.FORBIDDEN'])
@Controller('v1/admin')
export class AdminSubscriptionsController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
  ) {}

  @Get('plans')
  @RequirePlatformPermission('platform:plans.manage')
  @ApiOperation({ summary: 'Every plan, archived ones included' })
  @ApiOkResponse({ type: PlanListResponse })
  plans(): Promise<{ items: PlanView[] }> {
    return this.queries.execute(new ListPlans(true));
  }

  @Get('subscriptions/:id')
  @RequirePlatformPermission('platform:subscriptions.manage')
  @ApiOperation({ summary: 'Any subscription, by id', description: 'With its open charges.' })
  @ApiOkResponse({ type: SubscriptionResponse })
  @ApiProblems(INVALID_REQUEST, [404, 'SUBSCRIPTION.NOT_FOUND'])
  subscription(@Param('id', ParseUuidPipe) id: string): Promise<SubscriptionView> {
    return this.queries.execute(new GetSubscription({ id }));
  }

  @Post('subscriptions/:id/payments')
  @HttpCode(200)
  @RequirePlatformPermission('platform:subscriptions.manage')
  @ApiOperation({
    summary: 'Record the payment of a charge (manual billing)',
    description:
      'paid or failed. A failure makes an active subscription past due at once; paying the last open charge of a past-due one ' +
      'makes it active again. Repeating a payment already recorded answers it again.',
  })
  @ApiOkResponse({ type: ChargeResponse })
  @ApiProblems(...PAYMENT_PROBLEMS)
  pay(
    @Param('id', ParseUuidPipe) id: string,
    @Body() body: PaymentDto,
    @CurrentPrincipal() principal: Principal,
    @CurrentClient() client: ClientInfo,
  ): Promise<ChargeView> {
    return this.commands.execute(
      new RecordPayment(
        id,
        body.charge_id.toLowerCase(),
        body.outcome,
        body.reference ?? null,
        { type: 'user', id: principal.userId },
        client,
      ),
    );
  }
}
