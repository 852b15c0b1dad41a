import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsEmail,
  IsIn,
  IsISO8601,
  IsOptional,
  IsString,
  Length,
  Matches,
  MaxLength,
  MinLength,
} from 'class-validator';
import { IsId, OmitOrValid, PageQueryDto, SingleLine, Trimmed } from '@user-engine/kernel';

export const SLUG_PATTERN = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
export const ROLE_KEY_PATTERN = /^[a-z][a-z0-9-]{1,47}$/;

const SLUG_DOC = { example: 'acme', description: 'Lower-case letters, digits and inner hyphens; 1–63 characters.' };

export class CreateTenantDto {
  @ApiProperty({ example: 'Acme Inc.' })
  @Trimmed()
  @IsString()
  @SingleLine()
  @Length(1, 200)
  name!: string;

  @ApiProperty(SLUG_DOC)
  @IsString()
  @Matches(SLUG_PATTERN, { message: 'slug must be lower-case letters, digits and inner hyphens (1–63 characters)' })
  slug!: string;
}

export class UpdateTenantDto {
  @ApiPropertyOptional({ example: 'Acme Corporation' })
  @OmitOrValid()
  @Trimmed()
  @IsString()
  @SingleLine()
  @Length(1, 200)
  name?: string;

  @ApiPropertyOptional(SLUG_DOC)
  @OmitOrValid()
  @IsString()
  @Matches(SLUG_PATTERN, { message: 'slug must be lower-case letters, digits and inner hyphens (1–63 characters)' })
  slug?: string;
}

export class TenantResponse {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty() slug!: string;
  @ApiProperty({ enum: ['active', 'suspended', 'deleted'] }) status!: string;
  @ApiProperty({ format: 'date-time' }) created_at!: string;
  @ApiProperty({ format: 'date-time' }) updated_at!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) suspended_at!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) deleted_at!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'When a deleted tenant is erased.' })
  erase_after!: string | null;
}

export class MyMembershipResponse {
  @ApiProperty({ enum: ['active', 'suspended'] }) status!: string;
  @ApiProperty({ type: [String] }) roles!: string[];
  @ApiProperty({ format: 'date-time' }) joined_at!: string;
}

export class MyTenantResponse extends TenantResponse {
  @ApiProperty({ type: MyMembershipResponse }) membership!: MyMembershipResponse;
}

export class MyTenantListResponse {
  @ApiProperty({ type: [MyTenantResponse] }) items!: MyTenantResponse[];
  @ApiProperty({ type: String, nullable: true }) next_cursor!: string | null;
}

export class TenantListResponse {
  @ApiProperty({ type: [TenantResponse] }) items!: TenantResponse[];
  @ApiProperty({ type: String, nullable: true }) next_cursor!: string | null;
}

export class AdminTenantQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: ['active', 'suspended', 'deleted'] })
  @IsOptional()
  @IsIn(['active', 'suspended', 'deleted'])
  status?: 'active' | 'suspended' | 'deleted';

  @ApiPropertyOptional({ description: 'Slug prefix.' })
  @IsOptional()
  @IsString()
  @Length(1, 63)
  query?: string;
}

export class SuspendTenantDto {
  @ApiPropertyOptional({ description: 'Why (kept in the audit trail and the event).' })
  @OmitOrValid()
  @Trimmed()
  @IsString()
  @Length(1, 500)
  reason?: string;
}

export class MemberQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: ['active', 'suspended'] })
  @IsOptional()
  @IsIn(['active', 'suspended'])
  status?: 'active' | 'suspended';

  @ApiPropertyOptional({ example: 'admin', description: 'Members holding this role.' })
  @IsOptional()
  @IsString()
  @MaxLength(48)
  role?: string;

  @ApiPropertyOptional({ example: 'ada', description: 'Email prefix (case-insensitive).' })
  @IsOptional()
  @IsString()
  @Length(1, 254)
  email?: string;
}

export class MemberResponse {
  @ApiProperty({ format: 'uuid' }) user_id!: string;
  @ApiProperty() email!: string;
  @ApiProperty({ enum: ['active', 'suspended'] }) status!: string;
  @ApiProperty({ type: [String], example: ['viewer'] }) roles!: string[];
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) invited_by!: string | null;
  @ApiProperty({ format: 'date-time' }) joined_at!: string;
  @ApiProperty({ format: 'date-time' }) updated_at!: string;
}

export class MemberListResponse {
  @ApiProperty({ type: [MemberResponse] }) items!: MemberResponse[];
  @ApiProperty({ type: String, nullable: true }) next_cursor!: string | null;
}

export class MemberStatusDto {
  @ApiProperty({ enum: ['active', 'suspended'] })
  @IsIn(['active', 'suspended'])
  status!: 'active' | 'suspended';
}

export class MemberRolesDto {
  @ApiProperty({ type: [String], example: ['editor'], description: 'The complete new set (built-in or custom role keys).' })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(32)
  @ArrayUnique()
  @IsString({ each: true })
  @Matches(ROLE_KEY_PATTERN, { each: true, message: 'each role must be a role key' })
  roles!: string[];
}

export class InviteDto {
  @ApiProperty({ example: 'grace@example.com' })
  @Trimmed()
  @IsString()
  @MaxLength(254)
  @IsEmail({ require_tld: true })
  email!: string;

  @ApiPropertyOptional({ type: [String], example: ['viewer'], default: ['viewer'] })
  @OmitOrValid()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(32)
  @ArrayUnique()
  @IsString({ each: true })
  @Matches(ROLE_KEY_PATTERN, { each: true, message: 'each role must be a role key' })
  roles?: string[];
}

export class InvitationResponse {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() email!: string;
  @ApiProperty({ type: [String] }) roles!: string[];
  @ApiProperty({ enum: ['pending', 'expired', 'accepted', 'revoked'] }) status!: string;
  @ApiProperty({ format: 'uuid' }) invited_by!: string;
  @ApiProperty({ format: 'date-time' }) created_at!: string;
  @ApiProperty({ format: 'date-time' }) expires_at!: string;
  @ApiProperty() sent_count!: number;
  @ApiProperty({ format: 'date-time' }) last_sent_at!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) accepted_at!: string | null;
}

export class InvitationListResponse {
  @ApiProperty({ type: [InvitationResponse] }) items!: InvitationResponse[];
  @ApiProperty({ type: String, nullable: true }) next_cursor!: string | null;
}

export class InvitationQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: ['pending', 'expired', 'accepted', 'revoked'] })
  @IsOptional()
  @IsIn(['pending', 'expired', 'accepted', 'revoked'])
  status?: 'pending' | 'expired' | 'accepted' | 'revoked';
}

export class AcceptInvitationDto {
  @ApiProperty({ description: 'The token from the invitation link.' })
  @IsString()
  @MinLength(20)
  @MaxLength(512)
  token!: string;
}

export class AcceptedInvitationResponse extends MemberResponse {
  @ApiProperty({ format: 'uuid' }) tenant_id!: string;
}

export class DiagnosticCheckResponse {
  @ApiProperty({ example: 'owners' }) key!: string;
  @ApiProperty({ enum: ['ok', 'warn', 'fail'] }) status!: string;
  @ApiProperty() message!: string;
  @ApiProperty({ type: 'object', additionalProperties: true }) details!: Record<string, unknown>;
}

export class DiagnosticsResponse {
  @ApiProperty({ format: 'uuid' }) tenant_id!: string;
  @ApiProperty({ format: 'date-time' }) generated_at!: string;
  @ApiProperty({ enum: ['ok', 'warn', 'fail'] }) status!: string;
  @ApiProperty({ type: [DiagnosticCheckResponse] }) checks!: DiagnosticCheckResponse[];
}

export class AuditQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ format: 'uuid', description: 'Entries by this actor.' })
  @IsOptional()
  @IsId()
  actor_id?: string;

  @ApiPropertyOptional({ example: 'membership.*', description: 'An action, or a prefix ending in `.*`.' })
  @IsOptional()
  @IsString()
  @Matches(/^[a-z][a-z0-9_.-]{0,99}(\.\*)?$/, { message: 'action must be an action name or a prefix ending in .*' })
  action?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'From this instant (inclusive).' })
  @IsOptional()
  @IsISO8601({ strict: true })
  from?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'Until this instant (exclusive).' })
  @IsOptional()
  @IsISO8601({ strict: true })
  to?: string;
}

export class AuditExportQueryDto {
  @ApiProperty({ enum: ['ndjson', 'csv'] })
  @IsIn(['ndjson', 'csv'])
  format!: 'ndjson' | 'csv';

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsId()
  actor_id?: string;

  @ApiPropertyOptional({ example: 'membership.*' })
  @IsOptional()
  @IsString()
  @Matches(/^[a-z][a-z0-9_.-]{0,99}(\.\*)?$/, { message: 'action must be an action name or a prefix ending in .*' })
  action?: string;

  @ApiPropertyOptional({ format: 'date-time' })
  @IsOptional()
  @IsISO8601({ strict: true })
  from?: string;

  @ApiPropertyOptional({ format: 'date-time' })
  @IsOptional()
  @IsISO8601({ strict: true })
  to?: string;
}

export class AuditEntryResponse {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ type: Number, nullable: true, description: 'Position in the hash chain once sealed.' }) seq!: number | null;
  @ApiProperty({ format: 'date-time' }) occurred_at!: string;
  @ApiProperty({ enum: ['user', 'service', 'system', 'anonymous'] }) actor_type!: string;
  @ApiProperty({ type: String, nullable: true }) actor_id!: string | null;
  @ApiProperty({ example: 'membership.suspended' }) action!: string;
  @ApiProperty({ enum: ['success', 'failure', 'denied'] }) outcome!: string;
  @ApiProperty({ type: String, nullable: true }) resource_type!: string | null;
  @ApiProperty({ type: String, nullable: true }) resource_id!: string | null;
  @ApiProperty({ type: String, nullable: true }) request_id!: string | null;
  @ApiProperty({ type: String, nullable: true }) ip!: string | null;
  @ApiProperty({ type: String, nullable: true }) user_agent!: string | null;
  @ApiProperty({ type: 'object', additionalProperties: true }) data!: Record<string, unknown>;
}

export class AuditListResponse {
  @ApiProperty({ type: [AuditEntryResponse] }) items!: AuditEntryResponse[];
  @ApiProperty({ type: String, nullable: true }) next_cursor!: string | null;
}
