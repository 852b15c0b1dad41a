import { Module } from '@nestjs/common';
import { AccountAudit } from './account-audit';
import { AccountExtensions } from './account-extensions';
import { AccountHousekeeping } from './account-housekeeping';
import { BearerAuthenticator } from './auth/bearer-authenticator';
import { BearerStrategy } from './auth/bearer.strategy';
import { LocalStrategy } from './auth/local.strategy';
import { LoginThrottle } from './auth/login-throttle';
import { LoginThrottleStore, PostgresLoginThrottleStore } from './auth/login-throttle.store';
import { OidcIdTokens } from './auth/oidc-id-tokens';
import { RecentAuthentication } from './auth/recent-authentication';
import { AccountPassport, createAccountPassport } from './auth/passport';
import { Background } from './background';
import { AuthenticateIdentityHandler } from './commands/authenticate-identity/authenticate-identity.handler';
import { AuthenticatePasswordHandler } from './commands/authenticate-password/authenticate-password.handler';
import { ChangePasswordHandler } from './commands/change-password/change-password.handler';
import { ChangeUserStatusHandler } from './commands/change-user-status/change-user-status.handler';
import { ConfirmPasswordResetHandler } from './commands/confirm-password-reset/confirm-password-reset.handler';
import { DeleteAccountHandler } from './commands/delete-account/delete-account.handler';
import { LinkIdentityHandler } from './commands/link-identity/link-identity.handler';
import { LinkTrustedIdentityHandler } from './commands/link-trusted-identity/link-trusted-identity.handler';
import { RefreshSessionHandler } from './commands/refresh-session/refresh-session.handler';
import { RegisterUserHandler } from './commands/register-user/register-user.handler';
import { RequestPasswordResetHandler } from './commands/request-password-reset/request-password-reset.handler';
import { ResendVerificationHandler } from './commands/resend-verification/resend-verification.handler';
import { RevokeSessionHandler } from './commands/revoke-session/revoke-session.handler';
import { StartSessionHandler } from './commands/start-session/start-session.handler';
import { UnlinkIdentityHandler } from './commands/unlink-identity/unlink-identity.handler';
import { VerifyEmailHandler } from './commands/verify-email/verify-email.handler';
import { AuthController } from './http/auth.controller';
import { MeController } from './http/me.controller';
import { UsersController } from './http/users.controller';
import { WellKnownController } from './http/well-known.controller';
import { AccountMails } from './mail/account-mails';
import { passwordProviders } from './passwords';
import { EmailTokensRepository } from './persistence/email-tokens.repository';
import { IdentitiesRepository } from './persistence/identities.repository';
import { SessionsRepository } from './persistence/sessions.repository';
import { UserCache } from './persistence/user-cache';
import { UsersRepository } from './persistence/users.repository';
import { FindUserByEmailHandler } from './queries/find-user-by-email/find-user-by-email.handler';
import { GetUserHandler } from './queries/get-user/get-user.handler';
import { GetUsersByIdsHandler } from './queries/get-users-by-ids/get-users-by-ids.handler';
import { ListIdentitiesHandler } from './queries/list-identities/list-identities.handler';
import { ListSessionsHandler } from './queries/list-sessions/list-sessions.handler';
import { SearchUsersHandler } from './queries/search-users/search-users.handler';
import { AccessTokens } from './tokens/access-tokens';
import { RevocationList } from './tokens/revocation-list';
import { SessionRevocation } from './tokens/session-revocation';
import { SigningKeys } from './tokens/signing-keys';
import { TokenPairs } from './tokens/token-pairs';

const COMMAND_HANDLERS = [
  RegisterUserHandler,
  VerifyEmailHandler,
  ResendVerificationHandler,
  AuthenticatePasswordHandler,
  AuthenticateIdentityHandler,
  StartSessionHandler,
  RefreshSessionHandler,
  RevokeSessionHandler,
  RequestPasswordResetHandler,
  ConfirmPasswordResetHandler,
  ChangePasswordHandler,
  DeleteAccountHandler,
  ChangeUserStatusHandler,
  LinkIdentityHandler,
  LinkTrustedIdentityHandler,
  UnlinkIdentityHandler,
];

const QUERY_HANDLERS = [
  GetUserHandler,
  FindUserByEmailHandler,
  GetUsersByIdsHandler,
  ListSessionsHandler,
  ListIdentitiesHandler,
  SearchUsersHandler,
];

/**
 * Who a user is and how they prove it: registration, verification, passwords, sessions, tokens,
 * signing keys and external identities. It authenticates bearer tokens for the kernel's guard, so
 * every route of the application requires one unless marked `@Public()`.
 */
@Module({
  controllers: [UsersController, AuthController, MeController, WellKnownController],
  providers: [
    ...passwordProviders,
    ...COMMAND_HANDLERS,
    ...QUERY_HANDLERS,
    UsersRepository,
    UserCache,
    SessionsRepository,
    EmailTokensRepository,
    IdentitiesRepository,
    SigningKeys,
    RevocationList,
    AccessTokens,
    TokenPairs,
    SessionRevocation,
    LoginThrottle,
    { provide: LoginThrottleStore, useClass: PostgresLoginThrottleStore },
    OidcIdTokens,
    RecentAuthentication,
    AccountMails,
    AccountAudit,
    AccountHousekeeping,
    Background,
    LocalStrategy,
    BearerStrategy,
    {
      provide: AccountPassport,
      inject: [LocalStrategy, BearerStrategy],
      useFactory: (local: LocalStrategy, bearer: BearerStrategy) => createAccountPassport({ local, bearer }),
    },
    BearerAuthenticator,
    AccountExtensions,
  ],
  exports: [SigningKeys, AccessTokens, Background, AccountExtensions],
})
export class AccountModule {}
