import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayUnique,
  IsArray,
  IsIn,
  IsObject,
  IsOptional,
  IsString,
  Length,
  Matches,
  MaxLength,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { IsId, OmitOrValid, PageQueryDto, PERMISSION_KEY, SingleLine, Trimmed } from '@user-engine/kernel';

const ROLE_KEY = /^[a-z][a-z0-9-]{1,47}$/;
const PERMISSION_MESSAGE = 'must be a permission (resource:action)';

export class PermissionResponse {
  @ApiProperty({ example: 'members:invite' }) key!: string;
  @ApiProperty() description!: string;
  @ApiProperty({ enum: ['tenant', 'platform'] }) scope!: string;
  @ApiProperty({
    type: String,
    nullable: true,
    enum: ['viewer', 'editor', 'admin', 'owner'],
    description: 'Lowest built-in role holding it.',
  })
  min_role!: string | null;
  @ApiProperty({ enum: ['aal1', 'aal2'] }) acr!: string;
  @ApiProperty({ example: 'tenancy', description: 'The module that declares it, or `application:<key>`.' }) source!: string;
  @ApiProperty({ type: String, nullable: true, example: 'billing', description: 'The application whose catalog publishes it.' })
  application!: string | null;
  @ApiProperty({ description: 'Deprecated by its application: kept for the roles holding it, offered to no new one.' })
  deprecated!: boolean;
}

export class PermissionListResponse {
  @ApiProperty({ type: [PermissionResponse] }) items!: PermissionResponse[];
}

export class CreateRoleDto {
  @ApiProperty({ example: 'auditor', description: 'Lower-case letters, digits and hyphens; not a built-in role.' })
  @IsString()
  @Matches(ROLE_KEY, { message: 'key must be 2–48 lower-case letters, digits or hyphens, starting with a letter' })
  key!: string;

  @ApiProperty({ example: 'Auditor' })
  @Trimmed()
  @IsString()
  @SingleLine()
  @Length(1, 100)
  name!: string;

  @ApiPropertyOptional({ type: String, nullable: true })
  @IsOptional()
  @Trimmed()
  @IsString()
  @MaxLength(500)
  description?: string | null;

  @ApiProperty({ type: [String], example: ['audit:read'] })
  @IsArray()
  @ArrayMaxSize(200)
  @ArrayUnique()
  @IsString({ each: true })
  @Matches(PERMISSION_KEY, { each: true, message: `each permission ${PERMISSION_MESSAGE}` })
  permissions!: string[];

  @ApiPropertyOptional({ type: [String], example: ['viewer'], default: [] })
  @OmitOrValid()
  @IsArray()
  @ArrayMaxSize(32)
  @ArrayUnique()
  @IsString({ each: true })
  @Matches(ROLE_KEY, { each: true, message: 'each inherited role must be a role key' })
  inherits?: string[];
}

export class UpdateRoleDto {
  @ApiPropertyOptional()
  @OmitOrValid()
  @Trimmed()
  @IsString()
  @SingleLine()
  @Length(1, 100)
  name?: string;

  @ApiPropertyOptional({ type: String, nullable: true })
  @IsOptional()
  @ValidateIf((_o, v) => v !== null)
  @Trimmed()
  @IsString()
  @MaxLength(500)
  description?: string | null;

  @ApiPropertyOptional({ type: [String] })
  @OmitOrValid()
  @IsArray()
  @ArrayMaxSize(200)
  @ArrayUnique()
  @IsString({ each: true })
  @Matches(PERMISSION_KEY, { each: true, message: `each permission ${PERMISSION_MESSAGE}` })
  permissions?: string[];

  @ApiPropertyOptional({ type: [String] })
  @OmitOrValid()
  @IsArray()
  @ArrayMaxSize(32)
  @ArrayUnique()
  @IsString({ each: true })
  @Matches(ROLE_KEY, { each: true, message: 'each inherited role must be a role key' })
  inherits?: string[];
}

export class RoleResponse {
  @ApiProperty({ example: 'auditor' }) key!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ type: String, nullable: true }) description!: string | null;
  @ApiProperty() built_in!: boolean;
  @ApiProperty({ type: [String] }) permissions!: string[];
  @ApiProperty({ type: [String] }) inherits!: string[];
  @ApiProperty({ type: [String] }) effective_permissions!: string[];
}

export class RoleListResponse {
  @ApiProperty({ type: [RoleResponse] }) items!: RoleResponse[];
}

export class ResourceDto {
  @ApiProperty({ enum: ['user'] })
  @IsIn(['user'])
  type!: 'user';

  @ApiProperty({ format: 'uuid' })
  @IsId()
  id!: string;
}

export class AuthzCheckDto {
  @ApiProperty({ example: 'members:invite' })
  @IsString()
  @Matches(PERMISSION_KEY, { message: `permission ${PERMISSION_MESSAGE}` })
  permission!: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'Whose access to check (default: yours; others need members:read).' })
  @IsOptional()
  @IsId()
  user_id?: string;

  @ApiPropertyOptional({ type: ResourceDto, description: 'The member the action would target.' })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => ResourceDto)
  resource?: ResourceDto;
}

export class DecisionResponse {
  @ApiProperty() allowed!: boolean;
  @ApiProperty({ example: 'role:admin', description: 'Why: the role that grants it, or the refusal reason.' }) reason!: string;
}

export class TenantTokenDto {
  @ApiProperty({ format: 'uuid' })
  @IsId()
  tenant_id!: string;
}

export class TenantTokenResponse {
  @ApiProperty({ description: 'JWT with tid, roles, scp and plan.' }) access_token!: string;
  @ApiProperty({ enum: ['Bearer'] }) token_type!: 'Bearer';
  @ApiProperty() expires_in!: number;
  @ApiProperty({ format: 'uuid' }) tenant_id!: string;
  @ApiProperty({ type: [String] }) roles!: string[];
  @ApiProperty({ type: [String] }) scope!: string[];
}

export class AdminUserQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ description: 'Email prefix or a user id.' })
  @IsOptional()
  @IsString()
  @MaxLength(254)
  query?: string;
}

export class ReasonDto {
  @ApiPropertyOptional({ description: 'Why (kept in the audit trail and the event).' })
  @OmitOrValid()
  @Trimmed()
  @IsString()
  @Length(1, 500)
  reason?: string;
}

export class GrantOperatorDto {
  @ApiProperty({ format: 'uuid' })
  @IsId()
  user_id!: string;
}

export class OperatorResponse {
  @ApiProperty({ format: 'uuid' }) user_id!: string;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) granted_by!: string | null;
  @ApiProperty({ format: 'date-time' }) granted_at!: string;
}

export class OperatorListResponse {
  @ApiProperty({ type: [OperatorResponse] }) items!: OperatorResponse[];
}

export class AdminUserResponse {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ type: String, nullable: true }) email!: string | null;
  @ApiProperty() email_verified!: boolean;
  @ApiProperty({ enum: ['pending_verification', 'active', 'suspended', 'deactivated', 'deleted'] }) status!: string;
  @ApiProperty({ type: String, nullable: true }) display_name!: string | null;
  @ApiProperty({ format: 'date-time' }) created_at!: string;
}

export class AdminUserListResponse {
  @ApiProperty({ type: [AdminUserResponse] }) items!: AdminUserResponse[];
  @ApiProperty({ type: String, nullable: true }) next_cursor!: string | null;
}

export class RegisterApplicationDto {
  @ApiProperty({
    example: 'billing',
    description: 'Namespaces its permissions (`billing:invoices.read`); 2–32 lower-case letters, digits or hyphens.',
  })
  @IsString()
  @Matches(/^[a-z][a-z0-9-]{1,31}$/, { message: 'key must be 2–32 lower-case letters, digits or hyphens, starting with a letter' })
  key!: string;

  @ApiProperty({ example: 'Billing service' })
  @Trimmed()
  @IsString()
  @SingleLine()
  @Length(1, 100)
  name!: string;

  @ApiPropertyOptional({ type: String, nullable: true })
  @IsOptional()
  @Trimmed()
  @IsString()
  @MaxLength(1000)
  description?: string | null;
}

export class UpdateApplicationDto {
  @ApiPropertyOptional()
  @OmitOrValid()
  @Trimmed()
  @IsString()
  @SingleLine()
  @Length(1, 100)
  name?: string;

  @ApiPropertyOptional({ type: String, nullable: true, description: 'null clears it.' })
  @IsOptional()
  @ValidateIf((_o, v) => v !== null)
  @Trimmed()
  @IsString()
  @MaxLength(1000)
  description?: string | null;
}

export class ApplicationResponse {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ example: 'billing' }) key!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ type: String, nullable: true }) description!: string | null;
  @ApiProperty({ enum: ['active', 'disabled'] }) status!: string;
  @ApiProperty({ format: 'date-time' }) created_at!: string;
  @ApiProperty({ format: 'date-time' }) updated_at!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) disabled_at!: string | null;
}

export class ApplicationListResponse {
  @ApiProperty({ type: [ApplicationResponse] }) items!: ApplicationResponse[];
  @ApiProperty({ type: String, nullable: true }) next_cursor!: string | null;
}

export class ApplicationQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: ['active', 'disabled'] })
  @IsOptional()
  @IsIn(['active', 'disabled'])
  status?: 'active' | 'disabled';
}
