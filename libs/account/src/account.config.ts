import { ConfigType } from '@nestjs/config';
import { defineConfig, env, EnvParseError } from '@user-engine/kernel';

/** An OpenID Connect provider whose ID tokens may link an external identity. */
export interface OidcProvider {
  /** Short name used in the API (`google`, `acme-sso`). */
  key: string;
  issuer: string;
  /** The client id this deployment is registered under (the ID token's `aud`). */
  audience: string;
  jwks_url: string;
}

function parseProviders(raw: string): OidcProvider[] {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw new EnvParseError('must be a JSON array of {key, issuer, audience, jwks_url}, got invalid JSON');
  }
  if (!Array.isArray(value)) throw new EnvParseError('must be a JSON array of {key, issuer, audience, jwks_url}');
  const keys = new Set<string>();
  return value.map((p: Record<string, unknown>, i) => {
    const where = `entry ${i}`;
    if (!p || typeof p !== 'object') throw new EnvParseError(`${where} must be an object`);
    for (const f of ['key', 'issuer', 'audience', 'jwks_url']) {
      if (typeof p[f] !== 'string' || !p[f]) throw new EnvParseError(`${where} needs a non-empty string "${f}"`);
    }
    if (!/^[a-z0-9][a-z0-9_-]{0,31}$/.test(p.key as string)) throw new EnvParseError(`${where}: key must be [a-z0-9_-], at most 32`);
    if (keys.has(p.key as string)) throw new EnvParseError(`${where}: duplicate key "${String(p.key)}"`);
    keys.add(p.key as string);
    try {
      const u = new URL(p.jwks_url as string);
      if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new Error();
    } catch {
      throw new EnvParseError(`${where}: jwks_url must be an http(s) URL`);
    }
    return { key: p.key, issuer: p.issuer, audience: p.audience, jwks_url: p.jwks_url } as OidcProvider;
  });
}

export const accountConfig = defineConfig('account', {
  bcryptCost: env.int('ACCOUNT_BCRYPT_COST', {
    default: 12,
    min: 4,
    max: 31,
    description: 'bcrypt work factor of password hashes; a change rehashes each password at its next login.',
  }),
  passwordMinLength: env.int('ACCOUNT_PASSWORD_MIN_LENGTH', {
    default: 8,
    min: 8,
    max: 64,
    description: 'Shortest accepted password (characters). Up to 256 are always accepted; no composition rules.',
  }),
  passwordPepper: env.optionalString('ACCOUNT_PASSWORD_PEPPER', {
    secret: true,
    expected: 'at least 32 characters (e.g. `openssl rand -base64 32`)',
    description:
      'Secret HMAC key of the password pre-hash (a stolen database alone cannot be brute-forced). Required unless NODE_ENV=development; changing it invalidates every stored password.',
  }),
  keysEncryptionKey: env.optionalString('KEYS_ENCRYPTION_KEY', {
    secret: true,
    expected: 'at least 32 characters (e.g. `openssl rand -base64 32`)',
    description: 'Encrypts the token-signing private keys at rest. Required unless NODE_ENV=development.',
  }),
  tokenAudience: env.string('ACCOUNT_TOKEN_AUDIENCE', {
    default: 'user-engine',
    description: 'The `aud` of access tokens; sibling services verify it.',
  }),
  accessTokenTtl: env.duration('ACCOUNT_ACCESS_TOKEN_TTL', { default: 600_000, description: 'Lifetime of access tokens.' }),
  sessionIdleTtl: env.duration('ACCOUNT_SESSION_IDLE_TTL', {
    default: 14 * 86_400_000,
    description: 'A session (its refresh token) dies after this long without a refresh.',
  }),
  sessionAbsoluteTtl: env.duration('ACCOUNT_SESSION_ABSOLUTE_TTL', {
    default: 30 * 86_400_000,
    description: 'A session dies this long after the login, however active.',
  }),
  keyRotationInterval: env.duration('ACCOUNT_KEY_ROTATION_INTERVAL', {
    default: 30 * 86_400_000,
    description: 'Age at which the token-signing key is replaced automatically (`cli keys rotate` does it on demand).',
  }),
  keyRotationEnabled: env.bool('ACCOUNT_KEY_ROTATION_ENABLED', {
    default: true,
    description:
      'Create the first signing key and rotate it on schedule in this process (the CLI turns it off; `keys rotate` still works).',
  }),
  reauthMaxAge: env.duration('ACCOUNT_REAUTH_MAX_AGE', {
    default: 900_000,
    description: 'Linking an identity and deleting the account need a session signed in at most this long ago.',
  }),
  verificationTokenTtl: env.duration('ACCOUNT_VERIFICATION_TOKEN_TTL', {
    default: 86_400_000,
    description: 'Validity of email-verification links.',
  }),
  resetTokenTtl: env.duration('ACCOUNT_RESET_TOKEN_TTL', { default: 1_800_000, description: 'Validity of password-reset links.' }),
  linkBaseUrl: env.optionalUrl('ACCOUNT_LINK_BASE_URL', {
    protocols: ['http', 'https'],
    description: 'Front end that opens the links in mails (`/verify-email?token=`, `/reset-password?token=`). Unset: PUBLIC_URL.',
  }),
  loginFreeAttempts: env.int('ACCOUNT_LOGIN_FREE_ATTEMPTS', {
    default: 5,
    min: 1,
    max: 100,
    description: 'Failed logins for one account from one IP before each further failure adds a (doubling) delay.',
  }),
  loginMaxDelay: env.duration('ACCOUNT_LOGIN_MAX_DELAY', {
    default: 900_000,
    description: 'Longest delay the progressive back-off imposes.',
  }),
  loginWindow: env.duration('ACCOUNT_LOGIN_WINDOW', {
    default: 3_600_000,
    description: 'Window of the failure limits; no lock-out outlasts it.',
  }),
  loginMaxFailuresPerAccount: env.int('ACCOUNT_LOGIN_MAX_FAILURES', {
    default: 100,
    min: 1,
    max: 100,
    description: 'Failed logins per account (from all IPs) per window; beyond it the account refuses logins until the window ends.',
  }),
  loginMaxFailuresPerIp: env.int('ACCOUNT_LOGIN_IP_MAX_FAILURES', {
    default: 300,
    min: 1,
    max: 100_000,
    description: 'Failed logins per client IP (all accounts) per window.',
  }),
  mailMaxPerAddress: env.int('ACCOUNT_MAIL_MAX_PER_ADDRESS', {
    default: 5,
    min: 1,
    max: 1000,
    description: 'Sign-ups, resends and reset requests per email address per ACCOUNT_LOGIN_WINDOW; beyond: 429.',
  }),
  mailMaxPerIp: env.int('ACCOUNT_MAIL_MAX_PER_IP', {
    default: 50,
    min: 1,
    max: 100_000,
    description: 'Sign-ups, resends and reset requests per client IP per ACCOUNT_LOGIN_WINDOW; beyond: 429.',
  }),
  oidcProviders: env.custom<OidcProvider[]>('ACCOUNT_OIDC_PROVIDERS', {
    default: [],
    expected: 'a JSON array of {key, issuer, audience, jwks_url}',
    parse: parseProviders,
    show: (v) => (v.length ? JSON.stringify(v) : '[]'),
    description: 'OpenID Connect providers whose ID tokens can link an external identity (and sign in with it).',
  }),
});
export type AccountConfig = ConfigType<typeof accountConfig>;
