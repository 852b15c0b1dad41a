import { DomainError, type FieldError } from '@user-engine/kernel';
import type { PasswordProblem } from './domain/password/password-policy';
import type { UserStatus } from './domain/user-status';

const BEARER = { 'WWW-Authenticate': 'Bearer realm="user-engine"' };

/** The account module's errors; the kernel's filter maps their kind to the HTTP status. */
export const AccountErrors = {
  tokenInvalid: () =>
    new DomainError('invalid', 'ACCOUNT.TOKEN_INVALID', 'The link is invalid, expired or already used. Request a new one.'),
  password: (problem: PasswordProblem, path: string) =>
    new DomainError('invalid', problem.code, problem.message, {
      errors: [{ path, message: problem.message, rule: problem.code } satisfies FieldError],
    }),
  currentPasswordInvalid: () =>
    new DomainError('invalid', 'ACCOUNT.CURRENT_PASSWORD_INVALID', 'The current password is not correct.', {
      errors: [{ path: 'current_password', message: 'current_password is not correct', rule: 'ACCOUNT.CURRENT_PASSWORD_INVALID' }],
    }),
  userNotFound: () => new DomainError('not_found', 'ACCOUNT.USER_NOT_FOUND', 'No such user.'),
  sessionNotFound: () => new DomainError('not_found', 'ACCOUNT.SESSION_NOT_FOUND', 'No such session.'),
  identityNotFound: () => new DomainError('not_found', 'ACCOUNT.IDENTITY_NOT_FOUND', 'No such identity.'),
  identityTaken: () => new DomainError('conflict', 'ACCOUNT.IDENTITY_TAKEN', 'This external identity is already linked to an account.'),
  unknownProvider: (provider: string) =>
    new DomainError('invalid', 'ACCOUNT.UNKNOWN_PROVIDER', `"${provider}" is not a configured identity provider.`, {
      errors: [{ path: 'provider', message: 'provider is not configured', rule: 'ACCOUNT.UNKNOWN_PROVIDER' }],
    }),
  idTokenInvalid: (reason: string) =>
    new DomainError('invalid', 'ACCOUNT.ID_TOKEN_INVALID', `The ID token was not accepted: ${reason}.`, {
      errors: [{ path: 'id_token', message: `id_token ${reason}`, rule: 'ACCOUNT.ID_TOKEN_INVALID' }],
    }),
  identityProviderUnavailable: (provider: string) =>
    new DomainError(
      'unavailable',
      'ACCOUNT.IDENTITY_PROVIDER_UNAVAILABLE',
      `The keys of identity provider "${provider}" cannot be fetched; try again later.`,
      {
        headers: { 'Retry-After': '30' },
      },
    ),
  lastSignInMethod: () =>
    new DomainError(
      'conflict',
      'ACCOUNT.LAST_SIGN_IN_METHOD',
      'This is the last way to sign in to the account; add another before removing it.',
    ),
};

export const AuthErrors = {
  invalidCredentials: () => new DomainError('unauthenticated', 'AUTH.INVALID_CREDENTIALS', 'The email or password is not correct.'),
  emailNotVerified: () =>
    new DomainError('forbidden', 'AUTH.EMAIL_NOT_VERIFIED', 'The email address is not verified yet; follow the link we mailed you.'),
  accountSuspended: () => new DomainError('forbidden', 'AUTH.ACCOUNT_SUSPENDED', 'This account is suspended.'),
  accountDeactivated: () => new DomainError('forbidden', 'AUTH.ACCOUNT_DEACTIVATED', 'This account is deactivated.'),
  tooManyAttempts: (retryAfterSeconds: number) =>
    new DomainError('rate_limited', 'AUTH.TOO_MANY_ATTEMPTS', `Too many failed attempts; try again in ${retryAfterSeconds} s.`, {
      headers: { 'Retry-After': String(retryAfterSeconds) },
      extensions: { retry_after: retryAfterSeconds },
    }),
  tenantsUnavailable: () =>
    new DomainError('invalid', 'KERNEL.VALIDATION_FAILED', 'This deployment has no tenants.', {
      errors: [{ path: 'tenant_id', message: 'tenants are not enabled in this deployment', rule: 'tenancy' }],
    }),
  reauthenticationRequired: () =>
    new DomainError('forbidden', 'AUTH.REAUTHENTICATION_REQUIRED', 'This needs a recent sign-in: sign in again, then retry.'),
  tooManyRequests: (retryAfterSeconds: number) =>
    new DomainError(
      'rate_limited',
      'ACCOUNT.TOO_MANY_REQUESTS',
      `Too many requests for this address or from this client; try again in ${retryAfterSeconds} s.`,
      {
        headers: { 'Retry-After': String(retryAfterSeconds) },
        extensions: { retry_after: retryAfterSeconds },
      },
    ),
  refreshInvalid: () => new DomainError('unauthenticated', 'AUTH.REFRESH_INVALID', 'The refresh token is invalid or expired.'),
  refreshReused: () =>
    new DomainError(
      'unauthenticated',
      'AUTH.REFRESH_REUSED',
      'This refresh token was already used: the session has been revoked. Sign in again.',
    ),
  unauthenticated: () =>
    new DomainError('unauthenticated', 'AUTH.UNAUTHENTICATED', 'This route needs a bearer access token.', { headers: BEARER }),
  tokenInvalid: (reason: string) =>
    new DomainError('unauthenticated', 'AUTH.TOKEN_INVALID', `The access token is invalid (${reason}).`, {
      headers: { 'WWW-Authenticate': 'Bearer realm="user-engine", error="invalid_token"' },
    }),
  tokenExpired: () =>
    new DomainError('unauthenticated', 'AUTH.TOKEN_EXPIRED', 'The access token has expired; refresh it.', {
      headers: { 'WWW-Authenticate': 'Bearer realm="user-engine", error="invalid_token", error_description="expired"' },
    }),
  tokenRevoked: () =>
    new DomainError('unauthenticated', 'AUTH.TOKEN_REVOKED', 'The session of this access token has ended.', {
      headers: { 'WWW-Authenticate': 'Bearer realm="user-engine", error="invalid_token", error_description="revoked"' },
    }),
};

/** Why an account whose credentials were right still may not sign in (undefined: it may). */
export function signInRefusal(status: UserStatus): DomainError | undefined {
  switch (status) {
    case 'active':
      return undefined;
    case 'pending_verification':
      return AuthErrors.emailNotVerified();
    case 'suspended':
      return AuthErrors.accountSuspended();
    default:
      return AuthErrors.accountDeactivated();
  }
}
