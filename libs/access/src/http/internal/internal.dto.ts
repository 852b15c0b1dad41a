import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayNotEmpty,
  IsArray,
  IsEmail,
  IsObject,
  IsOptional,
  IsString,
  Length,
  Matches,
  MaxLength,
  ValidateNested,
} from 'class-validator';
import type {
  InternalAuthzCheckRequestV1,
  InternalAuthzDecisionV1,
  InternalIdentityV1,
  InternalLinkIdentityRequestV1,
  InternalMemberPageV1,
  InternalMemberV1,
  InternalUserBatchRequestV1,
  InternalUserBatchV1,
  InternalUserListV1,
  InternalUserV1,
  UserStatusV1,
} from '@user-engine/contracts';
import { IsId, PERMISSION_KEY, SingleLine } from '@user-engine/kernel';
import { MemberQueryDto } from '@user-engine/tenancy';
import { ResourceDto } from '../access.dto';

// The bodies of the internal API: each class implements its published v1 contract (libs/contracts).

export class InternalUserResponse implements InternalUserV1 {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ type: String, nullable: true, format: 'email' }) email!: string | null;
  @ApiProperty() email_verified!: boolean;
  @ApiProperty({ enum: ['pending_verification', 'active', 'suspended', 'deactivated', 'deleted'] }) status!: UserStatusV1;
  @ApiProperty({ type: String, nullable: true }) display_name!: string | null;
  @ApiProperty({ format: 'date-time' }) created_at!: string;
}

export class InternalUserListResponse implements InternalUserListV1 {
  @ApiProperty({ type: [InternalUserResponse], description: 'Zero or one user.' }) items!: InternalUserResponse[];
}

export class InternalUserQueryDto {
  @ApiProperty({ format: 'email', description: 'Compared case-insensitively.' })
  @IsString()
  @MaxLength(254)
  @IsEmail({}, { message: 'email must be an email address' })
  email!: string;
}

export class InternalUserBatchDto implements InternalUserBatchRequestV1 {
  @ApiProperty({ type: [String], format: 'uuid', maxItems: 100 })
  @IsArray()
  @ArrayNotEmpty()
  @ArrayMaxSize(100)
  @IsId({ each: true })
  ids!: string[];
}

export class InternalUserBatchResponse implements InternalUserBatchV1 {
  @ApiProperty({ type: [InternalUserResponse], description: 'In the order asked; each id once.' }) items!: InternalUserResponse[];
  @ApiProperty({ type: [String], description: 'Ids with no user (or none this key may see).' }) missing!: string[];
}

export class InternalMemberResponse implements InternalMemberV1 {
  @ApiProperty({ format: 'uuid' }) tenant_id!: string;
  @ApiProperty({ format: 'uuid' }) user_id!: string;
  @ApiProperty() email!: string;
  @ApiProperty({ enum: ['active', 'suspended'] }) status!: 'active' | 'suspended';
  @ApiProperty({ type: [String], example: ['admin'] }) roles!: string[];
  @ApiProperty({ type: [String], description: 'Effective permissions (with inheritance); empty while suspended.' }) permissions!: string[];
  @ApiProperty({ format: 'date-time' }) joined_at!: string;
}

export class InternalMemberPageResponse implements InternalMemberPageV1 {
  @ApiProperty({ type: [InternalMemberResponse] }) items!: InternalMemberResponse[];
  @ApiProperty({ type: String, nullable: true }) next_cursor!: string | null;
}

/** The same filters and paging as the public member list. */
export class InternalMemberQueryDto extends MemberQueryDto {}

export class InternalAuthzCheckDto implements InternalAuthzCheckRequestV1 {
  @ApiProperty({ format: 'uuid' })
  @IsId()
  user_id!: string;

  @ApiProperty({ format: 'uuid' })
  @IsId()
  tenant_id!: string;

  @ApiProperty({ example: 'members:invite' })
  @IsString()
  @Matches(PERMISSION_KEY, { message: 'permission must be a permission (resource:action)' })
  permission!: string;

  @ApiPropertyOptional({ type: ResourceDto, description: 'The member the action would target.' })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => ResourceDto)
  resource?: ResourceDto;
}

export class InternalDecisionResponse implements InternalAuthzDecisionV1 {
  @ApiProperty() allowed!: boolean;
  @ApiProperty({ example: 'role:admin', description: 'Why: the role that grants it, or the refusal reason.' }) reason!: string;
}

export class InternalLinkIdentityDto implements InternalLinkIdentityRequestV1 {
  @ApiProperty({ example: 'acme-sso', description: 'Lower-case letters, digits, dots, underscores or hyphens.' })
  @IsString()
  @Matches(/^[a-z][a-z0-9._-]{0,63}$/, { message: 'provider must be 1–64 lower-case letters, digits, dots, underscores or hyphens' })
  provider!: string;

  @ApiProperty({ example: '248289761001', description: "The user's id at the provider." })
  @IsString()
  @SingleLine()
  @Length(1, 255)
  subject!: string;
}

export class InternalIdentityResponse implements InternalIdentityV1 {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) user_id!: string;
  @ApiProperty() provider!: string;
  @ApiProperty() subject!: string;
  @ApiProperty({ format: 'date-time' }) linked_at!: string;
}
