import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { PROFILE_FIELDS_V1 } from '@user-engine/contracts';
import {
  ArrayMaxSize,
  ArrayNotEmpty,
  ArrayUnique,
  IsArray,
  IsIn,
  IsISO8601,
  IsObject,
  IsOptional,
  IsString,
  Length,
  Matches,
  MaxLength,
  ValidateBy,
  ValidateNested,
} from 'class-validator';
import {
  BUILT_IN_ROLES,
  type BuiltInRole,
  IsId,
  OmitOrValid,
  PageQueryDto,
  PERMISSION_KEY,
  SingleLine,
  Trimmed,
} from '@user-engine/kernel';

// ── API keys ────────────────────────────────────────────────────────────────────────────────────

export class CreateApiKeyDto {
  @ApiProperty({ example: 'billing production' })
  @Trimmed()
  @IsString()
  @SingleLine()
  @Length(1, 100)
  name!: string;

  @ApiProperty({
    type: [String],
    example: ['users:read', 'authz:check'],
    description: 'What the key may call: users:read, members:read, authz:check, identities:link (platform-wide keys only).',
  })
  @IsArray()
  @ArrayNotEmpty()
  @ArrayMaxSize(20)
  @ArrayUnique()
  @IsString({ each: true })
  @Matches(PERMISSION_KEY, { each: true, message: 'each scope must be resource:action' })
  scopes!: string[];

  @ApiPropertyOptional({
    type: String,
    format: 'uuid',
    nullable: true,
    description: 'Bind the key to one tenant (omit or null: platform-wide).',
  })
  @IsOptional()
  @IsId()
  tenant_id?: string | null;

  @ApiPropertyOptional({
    type: String,
    format: 'date-time',
    nullable: true,
    description: 'When the key stops working (omit or null: never).',
  })
  @IsOptional()
  @IsISO8601({ strict: true, strictSeparator: true })
  @Matches(/(Z|[+-]\d\d:\d\d)$/, { message: 'expires_at must carry a time zone (Z or ±hh:mm)' })
  expires_at?: string | null;
}

export class ApiKeyResponse {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) application_id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ example: 'ue_live_3fA9xQ2L', description: 'The start of the key, to recognise it; never the secret.' }) prefix!: string;
  @ApiProperty({ type: [String] }) scopes!: string[];
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) tenant_id!: string | null;
  @ApiProperty({ enum: ['active', 'expired', 'revoked'] }) status!: string;
  @ApiProperty({ format: 'date-time' }) created_at!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'Recorded to within a minute.' }) last_used_at!:
    string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) expires_at!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) revoked_at!: string | null;
}

export class CreatedApiKeyResponse extends ApiKeyResponse {
  @ApiProperty({ example: 'ue_live_3fA9xQ2L…', description: 'The key itself: shown this once, never again.' }) secret!: string;
}

export class ApiKeyListResponse {
  @ApiProperty({ type: [ApiKeyResponse] }) items!: ApiKeyResponse[];
  @ApiProperty({ type: String, nullable: true }) next_cursor!: string | null;
}

export class ApiKeyQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: ['active', 'expired', 'revoked'] })
  @IsOptional()
  @IsIn(['active', 'expired', 'revoked'])
  status?: 'active' | 'expired' | 'revoked';
}

// ── Catalogs ────────────────────────────────────────────────────────────────────────────────────

export class CatalogPermissionDto {
  @ApiProperty({ example: 'billing:invoices.read', description: "resource:action in the application's namespace." })
  @IsString()
  @MaxLength(200)
  key!: string;

  @ApiProperty({ example: 'Read invoices' })
  @Trimmed()
  @IsString()
  @SingleLine()
  @Length(1, 500)
  description!: string;

  @ApiPropertyOptional({ enum: BUILT_IN_ROLES, default: 'owner', description: 'The lowest built-in role holding it.' })
  @OmitOrValid()
  @IsIn(BUILT_IN_ROLES)
  default_role?: BuiltInRole;
}

export class CatalogAttributeDto {
  @ApiProperty({ example: 'plan_tier', description: '1–64 lower-case letters, digits or underscores.' })
  @IsString()
  @MaxLength(64)
  key!: string;

  @ApiProperty({ enum: ['string', 'integer', 'number', 'boolean'] })
  @IsString()
  type!: string;

  @ApiProperty({ enum: ['global', 'tenant'], description: "global: one value per user; tenant: one per user's membership." })
  @IsString()
  scope!: string;

  @ApiPropertyOptional({ type: String, nullable: true })
  @IsOptional()
  @Trimmed()
  @IsString()
  @MaxLength(500)
  description?: string | null;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description: 'string: min_length, max_length, pattern, enum; integer/number: minimum, maximum, enum; boolean: none.',
  })
  @OmitOrValid()
  @IsObject()
  constraints?: Record<string, unknown>;

  @ApiPropertyOptional({ description: 'Value used until one is written; must satisfy type and constraints.', nullable: true })
  @IsOptional()
  @ValidateBy({
    name: 'isScalar',
    validator: {
      validate: (v: unknown) => typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v)),
      defaultMessage: () => 'default must be a string, number, boolean or null',
    },
  })
  default?: string | number | boolean | null;
}

export class PublishCatalogDto {
  @ApiProperty({ type: [CatalogPermissionDto] })
  @IsArray()
  @ArrayMaxSize(200)
  @ValidateNested({ each: true })
  @Type(() => CatalogPermissionDto)
  permissions!: CatalogPermissionDto[];

  @ApiPropertyOptional({ type: [CatalogAttributeDto], default: [] })
  @OmitOrValid()
  @IsArray()
  @ArrayMaxSize(200)
  @ValidateNested({ each: true })
  @Type(() => CatalogAttributeDto)
  attributes?: CatalogAttributeDto[];

  @ApiPropertyOptional({
    type: [String],
    default: [],
    description: 'Permissions of the current catalog to keep for the roles that hold them while offering them to no new role.',
  })
  @OmitOrValid()
  @IsArray()
  @ArrayMaxSize(200)
  @ArrayUnique()
  @IsString({ each: true })
  deprecated?: string[];

  @ApiPropertyOptional({
    type: [String],
    enum: PROFILE_FIELDS_V1,
    default: [],
    description: "The standard profile fields the application's projection returns (besides its own attributes).",
  })
  @OmitOrValid()
  @IsArray()
  @ArrayMaxSize(PROFILE_FIELDS_V1.length * 2)
  @IsString({ each: true })
  profile_fields?: string[];
}

export class CatalogPermissionResponse {
  @ApiProperty({ example: 'billing:invoices.read' }) key!: string;
  @ApiProperty() description!: string;
  @ApiProperty({ enum: BUILT_IN_ROLES }) default_role!: string;
  @ApiProperty() deprecated!: boolean;
}

export class CatalogAttributeResponse {
  @ApiProperty() key!: string;
  @ApiProperty({ enum: ['string', 'integer', 'number', 'boolean'] }) type!: string;
  @ApiProperty({ enum: ['global', 'tenant'] }) scope!: string;
  @ApiProperty({ type: String, nullable: true }) description!: string | null;
  @ApiProperty({ type: 'object', additionalProperties: true }) constraints!: Record<string, unknown>;
  @ApiProperty({ nullable: true, oneOf: [{ type: 'string' }, { type: 'number' }, { type: 'boolean' }] }) default!: unknown;
}

export class CatalogResponse {
  @ApiProperty({ format: 'uuid' }) application_id!: string;
  @ApiProperty({ example: 'billing' }) application_key!: string;
  @ApiProperty({ example: 1 }) version!: number;
  @ApiProperty({ type: [CatalogPermissionResponse] }) permissions!: CatalogPermissionResponse[];
  @ApiProperty({ type: [CatalogAttributeResponse] }) attributes!: CatalogAttributeResponse[];
  @ApiProperty({ type: [String], enum: PROFILE_FIELDS_V1 }) profile_fields!: string[];
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) published_by!: string | null;
  @ApiProperty({ format: 'date-time' }) published_at!: string;
}
