import { Inject, Injectable } from '@nestjs/common';
import { errors as joseErrors, jwtVerify, SignJWT, type JWTPayload, type JWTHeaderParameters } from 'jose';
import { httpConfig, type HttpConfig, type Principal, uuidv7 } from '@user-engine/kernel';
import { accountConfig, type AccountConfig } from '../account.config';
import { AuthErrors } from '../account.errors';
import { RevocationList } from './revocation-list';
import { CLOCK_SKEW_MS, SIGNING_ALG, SigningKeys } from './signing-keys';

export const ACCESS_TOKEN_TYPE = 'at+jwt';

export interface AccessTokenClaims extends JWTPayload {
  sub: string;
  sid: string;
  jti: string;
  iat: number;
  exp: number;
  amr: string[];
  acr: string;
  tid?: string;
  roles?: string[];
  scp?: string[];
  plan?: string | null;
}

export interface IssueAccessToken {
  userId: string;
  sessionId: string;
  amr: readonly string[];
  acr?: string;
  /** Tenant-scoped claims, when the token is issued for a tenant. */
  tenant?: { tid: string; roles: string[]; scp: string[]; plan: string | null };
}

/** Verified tokens kept so a hot client's token is checked once, not on every request. */
const VERIFIED_CACHE_SIZE = 10_000;

/**
 * Access tokens: JWTs signed with the current Ed25519 key, `typ: at+jwt` (RFC 9068). Verification pins
 * the algorithm, issuer, audience and type, looks the `kid` up only among this deployment's keys, and
 * then consults the revocation list (sessions revoked, users' tokens revoked before an instant).
 */
@Injectable()
export class AccessTokens {
  private readonly issuer: string;
  private readonly verified = new Map<string, AccessTokenClaims>();

  constructor(
    private readonly keys: SigningKeys,
    private readonly revocations: RevocationList,
    @Inject(accountConfig.KEY) private readonly config: AccountConfig,
    @Inject(httpConfig.KEY) http: HttpConfig,
  ) {
    this.issuer = http.publicUrl.replace(/\/+$/, '');
  }

  get issuerUrl(): string {
    return this.issuer;
  }

  get audience(): string {
    return this.config.tokenAudience;
  }

  /** Lifetime in seconds, as `expires_in` reports it. */
  get lifetimeSeconds(): number {
    return Math.floor(this.config.accessTokenTtl / 1000);
  }

  async issue(input: IssueAccessToken): Promise<string> {
    const key = this.keys.signingKey();
    const now = Math.floor(Date.now() / 1000);
    const claims: Omit<AccessTokenClaims, 'iat' | 'exp' | 'sub' | 'jti'> = {
      sid: input.sessionId,
      amr: [...input.amr],
      acr: input.acr ?? 'aal1',
      ...(input.tenant ?? {}),
    };
    return new SignJWT(claims)
      .setProtectedHeader({ alg: SIGNING_ALG, typ: ACCESS_TOKEN_TYPE, kid: key.kid })
      .setIssuer(this.issuer)
      .setAudience(this.config.tokenAudience)
      .setSubject(input.userId)
      .setJti(uuidv7())
      .setIssuedAt(now)
      .setExpirationTime(now + this.lifetimeSeconds)
      .sign(key.privateKey);
  }

  /** The principal a bearer token proves, or an AUTH.* error saying why it proves nothing. */
  async verify(token: string): Promise<Principal> {
    const claims = this.verified.get(token) ?? (await this.verifySignature(token));
    const now = Date.now() / 1000;
    if (claims.exp + CLOCK_SKEW_MS / 1000 <= now) {
      this.verified.delete(token);
      throw AuthErrors.tokenExpired();
    }
    if (this.revocations.isRevoked(claims.sub, claims.sid, claims.iat)) throw AuthErrors.tokenRevoked();
    return {
      kind: 'user',
      userId: claims.sub,
      sessionId: claims.sid,
      tokenId: claims.jti,
      amr: claims.amr,
      acr: claims.acr,
      tenantId: claims.tid,
      roles: claims.roles,
      scopes: claims.scp,
      issuedAt: claims.iat,
      expiresAt: claims.exp,
    };
  }

  private async verifySignature(token: string): Promise<AccessTokenClaims> {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(
        token,
        (header: JWTHeaderParameters) => {
          const key = header.kid ? this.keys.find(header.kid) : undefined;
          if (!key) throw AuthErrors.tokenInvalid('unknown signing key');
          return key.publicKey;
        },
        {
          algorithms: [SIGNING_ALG],
          issuer: this.issuer,
          audience: this.config.tokenAudience,
          typ: ACCESS_TOKEN_TYPE,
          clockTolerance: CLOCK_SKEW_MS / 1000,
          requiredClaims: ['sub', 'sid', 'jti', 'iat', 'exp'],
        },
      ));
    } catch (err) {
      if (err instanceof joseErrors.JWTExpired) throw AuthErrors.tokenExpired();
      if (err instanceof joseErrors.JOSEError) throw AuthErrors.tokenInvalid(err.code);
      throw err;
    }
    if (!isClaims(payload)) throw AuthErrors.tokenInvalid('malformed claims');
    // Not yet valid: issued in the future (beyond the tolerated clock skew).
    if (payload.iat > Date.now() / 1000 + CLOCK_SKEW_MS / 1000) throw AuthErrors.tokenInvalid('issued in the future');
    if (this.verified.size >= VERIFIED_CACHE_SIZE) this.verified.delete(this.verified.keys().next().value as string);
    this.verified.set(token, payload);
    return payload;
  }
}

function isClaims(p: JWTPayload): p is AccessTokenClaims {
  return (
    typeof p.sub === 'string' &&
    typeof p.sid === 'string' &&
    typeof p.jti === 'string' &&
    typeof p.iat === 'number' &&
    typeof p.exp === 'number' &&
    Array.isArray(p.amr) &&
    typeof p.acr === 'string'
  );
}
