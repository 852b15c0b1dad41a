import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsObject, IsOptional, IsString, Matches } from 'class-validator';
import type { InternalProfileProjectionV1 } from '@user-engine/contracts';
import { CharLength, IsId, SingleLine, Trimmed } from '@user-engine/kernel';

const NAME = { type: String, nullable: true, maxLength: 100, description: 'One line, 1–100 characters; null clears it.' };
const SCALAR = { oneOf: [{ type: 'string' }, { type: 'number' }, { type: 'boolean' }] };
const ATTRIBUTES_DOC = {
  type: 'object' as const,
  additionalProperties: { type: 'object', additionalProperties: SCALAR },
  example: { crm: { region: 'emea' } },
};

/** Multi-line text: line breaks and tabs, but no other control characters. */
const Text = () => Matches(/^(?:[^\p{Cc}]|[\t\n\r])*$/u, { message: ({ property }) => `${property} must not contain control characters` });

export class UpdateProfileDto {
  @ApiPropertyOptional(NAME)
  @IsOptional()
  @Trimmed()
  @IsString()
  @SingleLine()
  @CharLength(1, 100)
  display_name?: string | null;

  @ApiPropertyOptional(NAME)
  @IsOptional()
  @Trimmed()
  @IsString()
  @SingleLine()
  @CharLength(1, 100)
  first_name?: string | null;

  @ApiPropertyOptional(NAME)
  @IsOptional()
  @Trimmed()
  @IsString()
  @SingleLine()
  @CharLength(1, 100)
  last_name?: string | null;

  @ApiPropertyOptional({ type: String, nullable: true, maxLength: 500, description: '1–500 characters; line breaks allowed.' })
  @IsOptional()
  @IsString()
  @Text()
  @CharLength(1, 500)
  bio?: string | null;

  @ApiPropertyOptional({
    type: String,
    nullable: true,
    format: 'uri',
    maxLength: 2048,
    description: 'An https URL whose path ends in an allowed image format (PROFILE_PICTURE_FORMATS, jpg and png by default).',
  })
  @IsOptional()
  @IsString()
  @CharLength(1, 2048)
  picture_url?: string | null;

  @ApiPropertyOptional({ type: String, nullable: true, example: 'en-GB', description: 'A BCP 47 language tag, stored canonical.' })
  @IsOptional()
  @IsString()
  @CharLength(2, 35)
  locale?: string | null;

  @ApiPropertyOptional({ type: String, nullable: true, example: 'Europe/Paris', description: 'An IANA time zone name, stored canonical.' })
  @IsOptional()
  @IsString()
  @CharLength(1, 64)
  timezone?: string | null;

  @ApiPropertyOptional({
    ...ATTRIBUTES_DOC,
    description:
      'Values of attributes applications published in their catalogs: `{application_key: {attribute: value}}`, null removes a value. ' +
      'Checked against the catalog (type, constraints, scope).',
  })
  @IsOptional()
  @IsObject()
  attributes?: Record<string, Record<string, unknown>>;
}

export class UpdateTenantProfileDto extends UpdateProfileDto {
  @ApiPropertyOptional({ ...NAME, example: 'Head of Sales', description: 'Job title inside this tenant; null clears it.' })
  @IsOptional()
  @Trimmed()
  @IsString()
  @SingleLine()
  @CharLength(1, 100)
  title?: string | null;
}

export class ProfileResponse {
  @ApiProperty({ format: 'uuid' }) user_id!: string;
  @ApiProperty({ type: String, nullable: true }) display_name!: string | null;
  @ApiProperty({ type: String, nullable: true }) first_name!: string | null;
  @ApiProperty({ type: String, nullable: true }) last_name!: string | null;
  @ApiProperty({ type: String, nullable: true }) bio!: string | null;
  @ApiProperty({ type: String, nullable: true }) picture_url!: string | null;
  @ApiProperty({ type: String, nullable: true }) locale!: string | null;
  @ApiProperty({ type: String, nullable: true }) timezone!: string | null;
  @ApiProperty({ ...ATTRIBUTES_DOC, description: 'Global attributes with a value, by application.' })
  attributes!: Record<string, Record<string, string | number | boolean>>;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) created_at!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) updated_at!: string | null;
}

const FIELD_SOURCE = { type: String, enum: ['tenant', 'global', 'unset'] };

export class ProfileSourcesResponse {
  @ApiProperty(FIELD_SOURCE) display_name!: string;
  @ApiProperty(FIELD_SOURCE) first_name!: string;
  @ApiProperty(FIELD_SOURCE) last_name!: string;
  @ApiProperty(FIELD_SOURCE) title!: string;
  @ApiProperty(FIELD_SOURCE) bio!: string;
  @ApiProperty(FIELD_SOURCE) picture_url!: string;
  @ApiProperty(FIELD_SOURCE) locale!: string;
  @ApiProperty(FIELD_SOURCE) timezone!: string;
}

export class EffectiveProfileResponse {
  @ApiProperty({ format: 'uuid' }) user_id!: string;
  @ApiProperty({ format: 'uuid' }) tenant_id!: string;
  @ApiProperty({ type: String, nullable: true }) display_name!: string | null;
  @ApiProperty({ type: String, nullable: true }) first_name!: string | null;
  @ApiProperty({ type: String, nullable: true }) last_name!: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'Only a tenant layer has one.' }) title!: string | null;
  @ApiProperty({ type: String, nullable: true }) bio!: string | null;
  @ApiProperty({ type: String, nullable: true }) picture_url!: string | null;
  @ApiProperty({ type: String, nullable: true }) locale!: string | null;
  @ApiProperty({ type: String, nullable: true }) timezone!: string | null;
  @ApiProperty({ ...ATTRIBUTES_DOC, description: 'Every attribute with a value or a default: global ones and this tenant’s.' })
  attributes!: Record<string, Record<string, string | number | boolean>>;
  @ApiProperty({ type: ProfileSourcesResponse, description: "Where each field's value comes from." })
  sources!: ProfileSourcesResponse;
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'object', additionalProperties: { type: 'string', enum: ['tenant', 'global', 'default'] } },
    description: "Where each attribute's value comes from.",
  })
  attribute_sources!: Record<string, Record<string, string>>;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) updated_at!: string | null;
}

export class ProfileProjectionQueryDto {
  @ApiPropertyOptional({
    format: 'uuid',
    description: "Overlay this tenant's layer (the user must be a member). A tenant-bound key defaults to, and may only name, its tenant.",
  })
  @IsOptional()
  @IsId()
  tenant_id?: string;
}

export class ProfileProjectionResponse implements InternalProfileProjectionV1 {
  @ApiProperty({ format: 'uuid' }) user_id!: string;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) tenant_id!: string | null;
  @ApiProperty({ example: 'crm', description: 'The calling application.' }) application!: string;
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'string', nullable: true },
    example: { display_name: 'Ada', locale: 'en-GB' },
    description: "Only the fields the application's catalog declares (profile_fields).",
  })
  fields!: Record<string, string | null>;
  @ApiProperty({
    type: 'object',
    additionalProperties: SCALAR,
    example: { region: 'emea' },
    description: "Only the application's own attributes (with their defaults), unprefixed.",
  })
  attributes!: Record<string, string | number | boolean>;
}
