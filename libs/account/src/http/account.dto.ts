import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { CharLength, IsId, Trimmed } from '@user-engine/kernel';
import { IsEmail, IsOptional, IsString, Length, MaxLength, MinLength } from 'class-validator';

// Passwords are checked by the password policy (length, blocklist) with its own codes; the DTOs
// only bound the input so nothing unbounded reaches the hash.
const PASSWORD_INPUT_MAX = 1024;
const TOKEN_MAX = 512;

// Addresses are compared trimmed (and lower-cased later): a pasted trailing space is not an error.

export class RegisterDto {
  @ApiProperty({ example: 'ada@example.com', maxLength: 254 })
  @Trimmed()
  @IsString()
  @MaxLength(254)
  @IsEmail({ allow_ip_domain: false, require_tld: true })
  email!: string;

  @ApiProperty({ minLength: 8, maxLength: 256, description: 'At least ACCOUNT_PASSWORD_MIN_LENGTH characters, not a common password.' })
  @IsString()
  @MaxLength(PASSWORD_INPUT_MAX)
  password!: string;

  @ApiPropertyOptional({ maxLength: 100, example: 'Ada Lovelace' })
  @IsOptional()
  @IsString()
  // In code points, as profiles count it (class-validator's Length does not count variation selectors).
  @CharLength(1, 100)
  display_name?: string;
}

export class TokenDto {
  @ApiProperty({ description: 'The token from the mailed link.' })
  @IsString()
  @Length(1, TOKEN_MAX)
  token!: string;
}

export class EmailDto {
  @ApiProperty({ example: 'ada@example.com' })
  @Trimmed()
  @IsString()
  @MaxLength(254)
  @IsEmail({ require_tld: true })
  email!: string;
}

export class LoginDto {
  @ApiProperty({ example: 'ada@example.com' })
  @Trimmed()
  @IsString()
  @MaxLength(254)
  @IsEmail({ require_tld: true })
  email!: string;

  @ApiProperty()
  @IsString()
  @MinLength(1)
  @MaxLength(PASSWORD_INPUT_MAX)
  password!: string;

  @ApiPropertyOptional({
    format: 'uuid',
    description: 'Sign in to this tenant: the access token is tenant-scoped (tid, roles, scp, plan).',
  })
  @IsOptional()
  @IsId()
  tenant_id?: string;
}

export class ExternalLoginDto {
  @ApiProperty({ example: 'acme-sso', description: 'A provider key from ACCOUNT_OIDC_PROVIDERS.' })
  @IsString()
  @Length(1, 32)
  provider!: string;

  @ApiProperty({ description: "An ID token the provider issued to this deployment's client." })
  @IsString()
  @Length(1, 8192)
  id_token!: string;
}

export class RefreshDto {
  @ApiProperty()
  @IsString()
  @Length(1, TOKEN_MAX)
  refresh_token!: string;
}

export class ResetConfirmDto {
  @ApiProperty()
  @IsString()
  @Length(1, TOKEN_MAX)
  token!: string;

  @ApiProperty({ minLength: 8, maxLength: 256 })
  @IsString()
  @MaxLength(PASSWORD_INPUT_MAX)
  new_password!: string;
}

export class ChangePasswordDto {
  @ApiProperty()
  @IsString()
  @MinLength(1)
  @MaxLength(PASSWORD_INPUT_MAX)
  current_password!: string;

  @ApiProperty({ minLength: 8, maxLength: 256 })
  @IsString()
  @MaxLength(PASSWORD_INPUT_MAX)
  new_password!: string;
}

// ---- responses -------------------------------------------------------------------------------

export class StatusResponse {
  @ApiProperty({ example: 'verification_sent' }) status!: string;
}

export class UserResponse {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ type: String, nullable: true }) email!: string | null;
  @ApiProperty() email_verified!: boolean;
  @ApiProperty({ enum: ['pending_verification', 'active', 'suspended', 'deactivated', 'deleted'] }) status!: string;
  @ApiProperty({ type: String, nullable: true }) display_name!: string | null;
  @ApiProperty({ format: 'date-time' }) created_at!: string;
}

export class MeMembershipResponse {
  @ApiProperty({ format: 'uuid' }) tenant_id!: string;
  @ApiProperty() tenant_name!: string;
  @ApiProperty() tenant_slug!: string;
  @ApiProperty({ enum: ['active', 'suspended'] }) tenant_status!: string;
  @ApiProperty({ enum: ['active', 'suspended'] }) status!: string;
  @ApiProperty({ type: [String], example: ['owner'] }) roles!: string[];
  @ApiProperty({ format: 'date-time' }) joined_at!: string;
}

export class MeResponse extends UserResponse {
  @ApiProperty({ type: [MeMembershipResponse], description: 'Tenants the user belongs to (empty when tenancy is not mounted).' })
  memberships!: MeMembershipResponse[];
}

export class TokenPairResponse {
  @ApiProperty({ description: 'JWT (EdDSA, typ at+jwt); verify with /.well-known/jwks.json.' }) access_token!: string;
  @ApiProperty({ description: 'Opaque; single use — each refresh returns a new one.' }) refresh_token!: string;
  @ApiProperty({ enum: ['Bearer'] }) token_type!: 'Bearer';
  @ApiProperty({ description: 'Seconds until the access token expires.' }) expires_in!: number;
  @ApiProperty({ format: 'uuid' }) session_id!: string;
}

export class LoginResponse extends TokenPairResponse {
  @ApiProperty({ type: UserResponse }) user!: UserResponse;
}

export class SessionResponse {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ description: 'The session of the token making this request.' }) current!: boolean;
  @ApiProperty({ type: String, nullable: true, example: 'Firefox on Linux' }) device!: string | null;
  @ApiProperty({ type: String, nullable: true }) user_agent!: string | null;
  @ApiProperty({ type: String, nullable: true }) ip!: string | null;
  @ApiProperty({ type: [String], example: ['pwd'] }) amr!: string[];
  @ApiProperty({ format: 'date-time' }) created_at!: string;
  @ApiProperty({ format: 'date-time' }) last_used_at!: string;
  @ApiProperty({ format: 'date-time' }) expires_at!: string;
}

export class SessionListResponse {
  @ApiProperty({ type: [SessionResponse] }) items!: SessionResponse[];
}

export class IdentityResponse {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() provider!: string;
  @ApiProperty() subject!: string;
  @ApiProperty({ type: String, nullable: true }) email!: string | null;
  @ApiProperty({ format: 'date-time' }) created_at!: string;
  @ApiProperty({ type: String, nullable: true, format: 'date-time' }) last_used_at!: string | null;
}

export class IdentityListResponse {
  @ApiProperty({ type: [IdentityResponse] }) items!: IdentityResponse[];
}
