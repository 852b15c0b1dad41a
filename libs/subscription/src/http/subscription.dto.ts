import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsInt, IsObject, IsOptional, IsString, Matches, MaxLength, ValidateIf } from 'class-validator';
import type { InternalChargeV1, InternalEntitlementsV1, InternalPaymentRequestV1 } from '@user-engine/contracts';
import { CharLength, IsId, OmitOrValid, SingleLine, Trimmed } from '@user-engine/kernel';
import { PLAN_KEY } from '../domain/plans';

const FEATURES_DOC = {
  type: 'object' as const,
  additionalProperties: { oneOf: [{ type: 'boolean' }, { type: 'integer', minimum: 0 }] },
  example: { sso: true, api_calls: 100000 },
  description: 'Entitlements: a feature switched on or off, or a numeric limit (0 = not included).',
};
const PLAN_KEY_DOC = { example: 'pro', pattern: PLAN_KEY.source, description: '1–40 lower-case letters, digits or hyphens.' };
const TEXT = () => Matches(/^(?:[^\p{Cc}]|[\t\n\r])*$/u, { message: ({ property }) => `${property} must not contain control characters` });

// ── Plans ───────────────────────────────────────────────────────────────────────────────────────

export class CreatePlanDto {
  @ApiProperty(PLAN_KEY_DOC)
  @IsString()
  @MaxLength(40)
  key!: string;

  @ApiProperty({ example: 'Pro', maxLength: 100 })
  @Trimmed()
  @IsString()
  @SingleLine()
  @CharLength(1, 100)
  name!: string;

  @ApiPropertyOptional({ type: String, nullable: true, maxLength: 1000 })
  @IsOptional()
  @IsString()
  @TEXT()
  @CharLength(1, 1000)
  description?: string | null;

  @ApiProperty({ example: 2900, description: 'Integer minor units (cents) per interval; 0 for a free plan.' })
  @IsInt()
  price!: number;

  @ApiPropertyOptional({ example: 'EUR', description: 'ISO 4217; SUBSCRIPTION_CURRENCY when left out.' })
  @OmitOrValid()
  @IsString()
  @MaxLength(3)
  currency?: string;

  @ApiProperty({ enum: ['month', 'year'] })
  @IsString()
  interval!: string;

  @ApiPropertyOptional({ example: 14, description: '0–365; SUBSCRIPTION_TRIAL_DAYS when left out.' })
  @OmitOrValid()
  @IsInt()
  trial_days?: number;

  @ApiPropertyOptional({ type: Number, nullable: true, example: 25, description: 'Active members a tenant may have; null: unlimited.' })
  @IsOptional()
  @IsInt()
  seats?: number | null;

  @ApiPropertyOptional(FEATURES_DOC)
  @OmitOrValid()
  @IsObject()
  features?: Record<string, unknown>;
}

export class UpdatePlanDto {
  @ApiPropertyOptional({ maxLength: 100 })
  @OmitOrValid()
  @Trimmed()
  @IsString()
  @SingleLine()
  @CharLength(1, 100)
  name?: string;

  @ApiPropertyOptional({ type: String, nullable: true, maxLength: 1000, description: 'null clears it.' })
  @IsOptional()
  @IsString()
  @TEXT()
  @CharLength(1, 1000)
  description?: string | null;

  @ApiPropertyOptional({ description: 'New price: subscribers pay it from their next renewal.' })
  @OmitOrValid()
  @IsInt()
  price?: number;

  @ApiPropertyOptional()
  @OmitOrValid()
  @IsInt()
  trial_days?: number;

  @ApiPropertyOptional({ type: Number, nullable: true, description: 'null: unlimited.' })
  @IsOptional()
  @IsInt()
  seats?: number | null;

  @ApiPropertyOptional(FEATURES_DOC)
  @OmitOrValid()
  @IsObject()
  features?: Record<string, unknown>;
}

export class PlanResponse {
  @ApiProperty({ example: 'pro' }) key!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ type: String, nullable: true }) description!: string | null;
  @ApiProperty({ example: 2900, description: 'Integer minor units per interval.' }) price!: number;
  @ApiProperty({ example: 'EUR' }) currency!: string;
  @ApiProperty({ enum: ['month', 'year'] }) interval!: string;
  @ApiProperty() trial_days!: number;
  @ApiProperty({ type: Number, nullable: true, description: 'null: unlimited.' }) seats!: number | null;
  @ApiProperty(FEATURES_DOC) features!: Record<string, boolean | number>;
  @ApiProperty({ enum: ['active', 'archived'] }) status!: string;
  @ApiProperty({ format: 'date-time' }) created_at!: string;
  @ApiProperty({ format: 'date-time' }) updated_at!: string;
}

export class PlanListResponse {
  @ApiProperty({ type: [PlanResponse] }) items!: PlanResponse[];
}

// ── Subscriptions ───────────────────────────────────────────────────────────────────────────────

export class ChangePlanDto {
  @ApiProperty(PLAN_KEY_DOC)
  @IsString()
  @MaxLength(40)
  plan_key!: string;
}

export class CancelSubscriptionDto {
  @ApiPropertyOptional({
    default: true,
    description: 'true: at the end of the period or trial (resumable until then); false: at once, for good.',
  })
  @OmitOrValid()
  @IsBoolean()
  at_period_end?: boolean;
}

export class ChargeResponse implements InternalChargeV1 {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) subscription_id!: string;
  @ApiProperty({ enum: ['initial', 'proration', 'renewal'] }) kind!: InternalChargeV1['kind'];
  @ApiProperty({ example: 'pro' }) plan!: string;
  @ApiProperty({ description: 'Integer minor units.' }) amount!: number;
  @ApiProperty({ example: 'EUR' }) currency!: string;
  @ApiProperty({ enum: ['pending', 'paid', 'failed'] }) status!: InternalChargeV1['status'];
  @ApiProperty({ type: String, nullable: true, description: "The billing provider's reference." }) reference!: string | null;
  @ApiProperty({ format: 'date-time' }) period_start!: string;
  @ApiProperty({ format: 'date-time' }) period_end!: string;
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'How the amount was computed (proration days, credit).' })
  details!: Record<string, unknown>;
  @ApiProperty({ format: 'date-time' }) created_at!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) settled_at!: string | null;
}

export class ChargePageResponse {
  @ApiProperty({ type: [ChargeResponse] }) items!: ChargeResponse[];
  @ApiProperty({ type: String, nullable: true }) next_cursor!: string | null;
}

export class SubscriptionResponse {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ enum: ['user', 'tenant'] }) subject_type!: string;
  @ApiProperty({ format: 'uuid' }) subject_id!: string;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) tenant_id!: string | null;
  @ApiProperty({ enum: ['trialing', 'active', 'past_due', 'canceled', 'expired'] }) status!: string;
  @ApiProperty({ type: PlanResponse }) plan!: PlanResponse;
  @ApiProperty({ type: String, nullable: true, description: 'A downgrade that applies when the period or trial ends.' })
  scheduled_plan!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) trial_ends_at!: string | null;
  @ApiProperty({ format: 'date-time' }) current_period_start!: string;
  @ApiProperty({ format: 'date-time' }) current_period_end!: string;
  @ApiProperty() cancel_at_period_end!: boolean;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) past_due_since!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) canceled_at!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) ended_at!: string | null;
  @ApiProperty({ format: 'date-time' }) created_at!: string;
  @ApiProperty({ format: 'date-time' }) updated_at!: string;
  @ApiProperty({ type: [ChargeResponse], description: 'Charges not paid yet, oldest first.' }) open_charges!: ChargeResponse[];
}

export class PaymentDto implements InternalPaymentRequestV1 {
  @ApiProperty({ format: 'uuid' })
  @IsId()
  charge_id!: string;

  @ApiProperty({ enum: ['paid', 'failed'] })
  @IsIn(['paid', 'failed'])
  outcome!: 'paid' | 'failed';

  @ApiPropertyOptional({ maxLength: 200, description: "The provider's reference (a transfer or invoice id)." })
  @OmitOrValid()
  @Trimmed()
  @IsString()
  @SingleLine()
  @CharLength(1, 200)
  reference?: string;
}

// ── Entitlements and member plans ──────────────────────────────────────────────────────────────

export class SeatsResponse {
  @ApiProperty({ type: Number, nullable: true, description: "The tenant plan's seats; null: unlimited." }) limit!: number | null;
  @ApiProperty({ description: 'Active members.' }) used!: number;
}

export class EntitlementsResponse implements InternalEntitlementsV1 {
  @ApiProperty({ format: 'uuid' }) tenant_id!: string;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) user_id!: string | null;
  @ApiProperty({ type: String, nullable: true, example: 'pro' }) plan!: string | null;
  @ApiProperty({ type: String, nullable: true, enum: ['membership', 'tenant', 'user'] }) source!: InternalEntitlementsV1['source'];
  @ApiProperty({ type: String, nullable: true, enum: ['trialing', 'active', 'past_due'], description: "The tenant's subscription status." })
  status!: InternalEntitlementsV1['status'];
  @ApiProperty(FEATURES_DOC) features!: Record<string, boolean | number>;
  @ApiProperty({ type: SeatsResponse }) seats!: SeatsResponse;
}

export class EntitlementsQueryDto {
  @ApiPropertyOptional({ format: 'uuid', description: 'A member: their plan (override, else the tenant’s, else their own).' })
  @OmitOrValid()
  @IsId()
  user_id?: string;
}

export class SetMemberPlanDto {
  @ApiProperty({ ...PLAN_KEY_DOC, type: String, nullable: true, description: "A plan of the member's own; null: the tenant's applies." })
  @ValidateIf((_o: object, v: unknown) => v !== null)
  @IsString()
  @MaxLength(40)
  plan_key!: string | null;
}

export class MemberPlanResponse {
  @ApiProperty({ format: 'uuid' }) tenant_id!: string;
  @ApiProperty({ format: 'uuid' }) user_id!: string;
  @ApiProperty({ type: String, nullable: true }) plan!: string | null;
}
