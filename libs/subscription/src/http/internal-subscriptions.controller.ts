import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { InternalChargeV1, InternalEntitlementsV1 } from '@user-engine/contracts';
import {
  ApiProblems,
  type ClientInfo,
  CurrentClient,
  CurrentService,
  INTERNAL_KEY_PROBLEMS,
  INTERNAL_SECURITY,
  INVALID_REQUEST,
  ParseUuidPipe,
  RequireServiceScope,
  type ServicePrincipal,
} from '@user-engine/kernel';
import { GetMembership, GetTenant, type MemberView, type TenantView } from '@user-engine/tenancy';
import { RecordPayment } from '../commands/record-payment/record-payment.command';
import { GetEntitlements } from '../queries/get-entitlements/get-entitlements.query';
import { SubscriptionErrors } from '../subscription.errors';
import { PAYMENT_PROBLEMS } from './admin-subscriptions.controller';
import { ChargeResponse, EntitlementsQueryDto, EntitlementsResponse, PaymentDto } from './subscription.dto';

/** Entitlements for sibling services, and payments reported by a billing service. */
@ApiTags('internal: subscriptions')
@ApiBearerAuth(INTERNAL_SECURITY)
@ApiProblems(...INTERNAL_KEY_PROBLEMS)
@Controller('internal/v1')
export class InternalSubscriptionsController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
  ) {}

  @Get('tenants/:tenant_id/entitlements')
  @RequireServiceScope('entitlements:read')
  @ApiOperation({
    summary: "A tenant's plan and what it includes",
    description: "With user_id, a member's: their membership's override, else the tenant's plan, else their own.",
  })
  @ApiOkResponse({ type: EntitlementsResponse })
  @ApiProblems(INVALID_REQUEST, [404, 'TENANCY.NOT_FOUND', 'TENANCY.MEMBER_NOT_FOUND'])
  async entitlements(
    @Param('tenant_id', ParseUuidPipe) tenantId: string,
    @Query() query: EntitlementsQueryDto,
  ): Promise<InternalEntitlementsV1> {
    const userId = query.user_id?.toLowerCase() ?? null;
    const tenant = await this.queries.execute<GetTenant, TenantView | undefined>(new GetTenant(tenantId));
    if (!tenant || tenant.status === 'deleted') throw SubscriptionErrors.tenantNotFound();
    if (userId && !(await this.queries.execute<GetMembership, MemberView | undefined>(new GetMembership(tenantId, userId))))
      throw SubscriptionErrors.memberNotFound();
    return this.queries.execute(new GetEntitlements(tenantId, userId));
  }

  @Post('subscriptions/:id/payments')
  @HttpCode(200)
  @RequireServiceScope('payments:write')
  @ApiOperation({
    summary: 'Record the payment of a charge',
    description: 'What a billing service reports: paid or failed (see the admin route of the same name for the effects).',
  })
  @ApiOkResponse({ type: ChargeResponse })
  @ApiProblems(...PAYMENT_PROBLEMS)
  pay(
    @Param('id', ParseUuidPipe) id: string,
    @Body() body: PaymentDto,
    @CurrentService() service: ServicePrincipal,
    @CurrentClient() client: ClientInfo,
  ): Promise<InternalChargeV1> {
    // The full ledger entry: InternalChargeV1 and more.
    return this.commands.execute(
      new RecordPayment(
        id,
        body.charge_id.toLowerCase(),
        body.outcome,
        body.reference ?? null,
        { type: 'service', id: service.applicationId },
        client,
      ),
    );
  }
}
