import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiAcceptedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiProblems, type ClientInfo, CurrentClient, Public } from '@user-engine/kernel';
import { LoginThrottle } from '../auth/login-throttle';
import { Background } from '../background';
import { normaliseEmail } from '../domain/secure-token';
import { RegisterUser } from '../commands/register-user/register-user.command';
import { ResendVerification } from '../commands/resend-verification/resend-verification.command';
import { VerifyEmail } from '../commands/verify-email/verify-email.command';
import { EmailDto, RegisterDto, StatusResponse, TokenDto } from './account.dto';

const INVALID = [400, 'KERNEL.VALIDATION_FAILED', 'KERNEL.MALFORMED_JSON'] as [number, ...string[]];

@ApiTags('account')
@Public()
@Controller('v1/users')
export class UsersController {
  constructor(
    private readonly commands: CommandBus,
    private readonly background: Background,
    private readonly throttle: LoginThrottle,
  ) {}

  @Post()
  @HttpCode(202)
  @ApiOperation({
    summary: 'Sign up',
    description: 'Always 202 with the same body, new or existing email: the mailbox owner learns which (verification link or notice).',
  })
  @ApiAcceptedResponse({ type: StatusResponse })
  @ApiProblems(
    INVALID,
    [400, 'ACCOUNT.PASSWORD_TOO_SHORT', 'ACCOUNT.PASSWORD_TOO_LONG', 'ACCOUNT.PASSWORD_TOO_COMMON'],
    [429, 'ACCOUNT.TOO_MANY_REQUESTS'],
  )
  async register(@Body() body: RegisterDto, @CurrentClient() client: ClientInfo): Promise<StatusResponse> {
    await this.throttle.mailRequest({ email: normaliseEmail(body.email), ip: client.ip });
    await this.commands.execute(new RegisterUser(body.email, body.password, body.display_name ?? null, client));
    return { status: 'verification_sent' };
  }

  @Post('verify-email')
  @HttpCode(200)
  @ApiOperation({ summary: 'Confirm an email address with the mailed token' })
  @ApiOkResponse({ type: StatusResponse })
  @ApiProblems(INVALID, [400, 'ACCOUNT.TOKEN_INVALID'])
  async verifyEmail(@Body() body: TokenDto, @CurrentClient() client: ClientInfo): Promise<StatusResponse> {
    await this.commands.execute(new VerifyEmail(body.token, client));
    return { status: 'verified' };
  }

  @Post('resend-verification')
  @HttpCode(202)
  @ApiOperation({ summary: 'Mail a new verification link', description: 'Always 202: whether the account exists is not revealed.' })
  @ApiAcceptedResponse({ type: StatusResponse })
  @ApiProblems(INVALID, [429, 'ACCOUNT.TOO_MANY_REQUESTS'])
  async resendVerification(@Body() body: EmailDto, @CurrentClient() client: ClientInfo): Promise<StatusResponse> {
    // Counted for every address alike, before anything reveals whether it has an account.
    await this.throttle.mailRequest({ email: normaliseEmail(body.email), ip: client.ip });
    // Answered before the lookup: the response time cannot tell whether the account exists.
    this.background.run('resend verification', () => this.commands.execute(new ResendVerification(body.email, client)));
    return { status: 'verification_sent' };
  }
}
