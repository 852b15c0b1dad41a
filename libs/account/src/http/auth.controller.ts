import { Body, Controller, HttpCode, Post, Req, UseGuards } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiAcceptedResponse, ApiBearerAuth, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiProblems, Authenticated, type ClientInfo, CurrentClient, CurrentPrincipal, type Principal, Public } from '@user-engine/kernel';
import type { FastifyRequest } from 'fastify';
import { AccountExtensions, type TenantClaims } from '../account-extensions';
import { AuthErrors } from '../account.errors';
import { LocalAuthGuard } from '../auth/local-auth.guard';
import { LoginThrottle } from '../auth/login-throttle';
import { normaliseEmail } from '../domain/secure-token';
import { Background } from '../background';
import { AuthenticateIdentity } from '../commands/authenticate-identity/authenticate-identity.command';
import { ConfirmPasswordReset } from '../commands/confirm-password-reset/confirm-password-reset.command';
import { RefreshSession } from '../commands/refresh-session/refresh-session.command';
import type { RefreshResult } from '../commands/refresh-session/refresh-session.handler';
import { RequestPasswordReset } from '../commands/request-password-reset/request-password-reset.command';
import { RevokeSession } from '../commands/revoke-session/revoke-session.command';
import { StartSession } from '../commands/start-session/start-session.command';
import type { UserView } from '../queries/user.view';
import type { TokenPair } from '../tokens/token-pairs';
import {
  EmailDto,
  ExternalLoginDto,
  LoginDto,
  LoginResponse,
  RefreshDto,
  ResetConfirmDto,
  StatusResponse,
  TokenPairResponse,
} from './account.dto';

const INVALID = [400, 'KERNEL.VALIDATION_FAILED', 'KERNEL.MALFORMED_JSON'] as [number, ...string[]];
const REFUSED_ACCOUNT = [403, 'AUTH.EMAIL_NOT_VERIFIED', 'AUTH.ACCOUNT_SUSPENDED', 'AUTH.ACCOUNT_DEACTIVATED'] as [number, ...string[]];

@ApiTags('auth')
@Controller('v1/auth')
export class AuthController {
  constructor(
    private readonly commands: CommandBus,
    private readonly background: Background,
    private readonly throttle: LoginThrottle,
    private readonly extensions: AccountExtensions,
  ) {}

  @Public()
  @Post('login')
  @HttpCode(200)
  @UseGuards(LocalAuthGuard)
  @ApiOperation({ summary: 'Sign in with email and password', description: 'Returns a token pair and the user.' })
  @ApiOkResponse({ type: LoginResponse })
  @ApiProblems(
    INVALID,
    [401, 'AUTH.INVALID_CREDENTIALS'],
    [...REFUSED_ACCOUNT, 'TENANCY.TENANT_SUSPENDED'],
    [404, 'TENANCY.NOT_FOUND'],
    [429, 'AUTH.TOO_MANY_ATTEMPTS'],
  )
  async login(
    @Body() body: LoginDto,
    @Req() request: FastifyRequest & { user: UserView; authenticatedAt: Date },
    @CurrentClient() client: ClientInfo,
  ): Promise<LoginResponse> {
    // Checked before the session opens: a refused tenant leaves no session behind.
    const tenant = body.tenant_id ? await this.tenantClaims(request.user.id, body.tenant_id) : undefined;
    const pair = await this.commands.execute<StartSession, TokenPair>(
      new StartSession(request.user.id, ['pwd'], client, request.authenticatedAt, tenant),
    );
    return { ...pair, user: request.user };
  }

  private tenantClaims(userId: string, tenantId: string): Promise<TenantClaims> {
    const source = this.extensions.tenantClaimsSource;
    if (!source) throw AuthErrors.tenantsUnavailable();
    return source.claimsFor({ userId, acr: 'aal1' }, tenantId.toLowerCase());
  }

  @Public()
  @Post('login/external')
  @HttpCode(200)
  @ApiOperation({ summary: 'Sign in with a linked external identity (an ID token of a configured OIDC provider)' })
  @ApiOkResponse({ type: LoginResponse })
  @ApiProblems(INVALID, [400, 'ACCOUNT.UNKNOWN_PROVIDER', 'ACCOUNT.ID_TOKEN_INVALID'], [401, 'AUTH.INVALID_CREDENTIALS'], REFUSED_ACCOUNT, [
    503,
    'ACCOUNT.IDENTITY_PROVIDER_UNAVAILABLE',
  ])
  async loginExternal(@Body() body: ExternalLoginDto, @CurrentClient() client: ClientInfo): Promise<LoginResponse> {
    const authenticatedAt = new Date();
    const user = await this.commands.execute<AuthenticateIdentity, UserView>(
      new AuthenticateIdentity(body.provider, body.id_token, client),
    );
    const pair = await this.commands.execute<StartSession, TokenPair>(new StartSession(user.id, ['fed'], client, authenticatedAt));
    return { ...pair, user };
  }

  @Public()
  @Post('refresh')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Exchange a refresh token for a new pair',
    description: 'The presented token dies. Presenting an already rotated token revokes the whole session (AUTH.REFRESH_REUSED).',
  })
  @ApiOkResponse({ type: TokenPairResponse })
  @ApiProblems(INVALID, [401, 'AUTH.REFRESH_INVALID', 'AUTH.REFRESH_REUSED'])
  async refresh(@Body() body: RefreshDto, @CurrentClient() client: ClientInfo): Promise<TokenPairResponse> {
    const result = await this.commands.execute<RefreshSession, RefreshResult>(new RefreshSession(body.refresh_token, client));
    if (result.kind === 'reused') throw AuthErrors.refreshReused();
    if (result.kind === 'invalid') throw AuthErrors.refreshInvalid();
    return result.pair;
  }

  @Authenticated({ tenantTokens: true })
  @Post('logout')
  @HttpCode(204)
  @ApiBearerAuth()
  @ApiOperation({ summary: 'End the session of the presented access token' })
  @ApiNoContentResponse()
  @ApiProblems([401, 'AUTH.UNAUTHENTICATED', 'AUTH.TOKEN_INVALID', 'AUTH.TOKEN_EXPIRED', 'AUTH.TOKEN_REVOKED'])
  async logout(@CurrentPrincipal() principal: Principal, @CurrentClient() client: ClientInfo): Promise<void> {
    await this.commands.execute(new RevokeSession(principal.userId, principal.sessionId, 'logout', client));
  }

  @Public()
  @Post('password-reset')
  @HttpCode(202)
  @ApiOperation({ summary: 'Mail a password-reset link', description: 'Always 202: whether the account exists is not revealed.' })
  @ApiAcceptedResponse({ type: StatusResponse })
  @ApiProblems(INVALID, [429, 'ACCOUNT.TOO_MANY_REQUESTS'])
  async requestReset(@Body() body: EmailDto, @CurrentClient() client: ClientInfo): Promise<StatusResponse> {
    // Counted for every address alike: a victim's link cannot be replaced over and over.
    await this.throttle.mailRequest({ email: normaliseEmail(body.email), ip: client.ip });
    this.background.run('password reset request', () => this.commands.execute(new RequestPasswordReset(body.email, client)));
    return { status: 'reset_requested' };
  }

  @Public()
  @Post('password-reset/confirm')
  @HttpCode(204)
  @ApiOperation({ summary: 'Set a new password with the mailed token', description: 'Every session of the account is revoked.' })
  @ApiNoContentResponse()
  @ApiProblems(INVALID, [
    400,
    'ACCOUNT.TOKEN_INVALID',
    'ACCOUNT.PASSWORD_TOO_SHORT',
    'ACCOUNT.PASSWORD_TOO_LONG',
    'ACCOUNT.PASSWORD_TOO_COMMON',
  ])
  async confirmReset(@Body() body: ResetConfirmDto, @CurrentClient() client: ClientInfo): Promise<void> {
    await this.commands.execute(new ConfirmPasswordReset(body.token, body.new_password, client));
  }
}
