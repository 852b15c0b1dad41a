import { Inject, Injectable } from '@nestjs/common';
import { createRemoteJWKSet, errors as joseErrors, jwtVerify } from 'jose';
import { accountConfig, type AccountConfig, type OidcProvider } from '../account.config';
import { AccountErrors } from '../account.errors';

export interface VerifiedIdentity {
  provider: string;
  subject: string;
  email: string | null;
}

/** Asymmetric algorithms only: an HMAC "ID token" would be signed with a secret we would have to share. */
const ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'ES256', 'ES384', 'EdDSA'];

/**
 * Verifies ID tokens of the operator-configured OpenID Connect providers against each provider's
 * JWKS (fetched and cached by jose, refetched when a new `kid` appears): signature, issuer,
 * audience, expiry. The identity is the provider's `sub`.
 */
@Injectable()
export class OidcIdTokens {
  private readonly providers = new Map<string, { config: OidcProvider; jwks: ReturnType<typeof createRemoteJWKSet> }>();

  constructor(@Inject(accountConfig.KEY) config: AccountConfig) {
    for (const p of config.oidcProviders) {
      this.providers.set(p.key, {
        config: p,
        jwks: createRemoteJWKSet(new URL(p.jwks_url), { timeoutDuration: 5000, cooldownDuration: 30_000 }),
      });
    }
  }

  async verify(provider: string, idToken: string): Promise<VerifiedIdentity> {
    const p = this.providers.get(provider);
    if (!p) throw AccountErrors.unknownProvider(provider);
    try {
      const { payload } = await jwtVerify(idToken, p.jwks, {
        issuer: p.config.issuer,
        audience: p.config.audience,
        algorithms: ALGORITHMS,
        clockTolerance: 30,
        requiredClaims: ['sub', 'iat', 'exp'],
      });
      const email = typeof payload.email === 'string' && payload.email_verified === true ? payload.email.toLowerCase() : null;
      return { provider, subject: payload.sub!, email };
    } catch (err) {
      if (err instanceof joseErrors.JWTExpired) throw AccountErrors.idTokenInvalid('has expired');
      if (err instanceof joseErrors.JWTClaimValidationFailed) throw AccountErrors.idTokenInvalid(`has an unexpected "${err.claim}" claim`);
      // The provider's keys could not be had (timeout, non-200 answer, connection refused — fetch's
      // TypeError, matched by name as it may come from another realm): the token was never judged.
      const name = (err as Error)?.name;
      if (
        err instanceof joseErrors.JWKSTimeout ||
        (err instanceof joseErrors.JOSEError && err.code === 'ERR_JOSE_GENERIC') ||
        name === 'TypeError'
      ) {
        throw AccountErrors.identityProviderUnavailable(provider);
      }
      if (err instanceof joseErrors.JOSEError) throw AccountErrors.idTokenInvalid('is not validly signed by the provider');
      throw err;
    }
  }
}
