import { Controller, Get, Header } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Public } from '@user-engine/kernel';
import type { JWK } from 'jose';
import { AccessTokens } from '../tokens/access-tokens';
import { SIGNING_ALG, SigningKeys } from '../tokens/signing-keys';

// Short enough that a rotated-in key reaches caches quickly; verifiers refetch on an unknown kid anyway.
const CACHE = 'public, max-age=300, stale-while-revalidate=60';

@ApiTags('keys')
@Public()
@Controller('.well-known')
export class WellKnownController {
  constructor(
    private readonly keys: SigningKeys,
    private readonly tokens: AccessTokens,
  ) {}

  @Get('jwks.json')
  @Header('Cache-Control', CACHE)
  @ApiOperation({
    summary: 'Public keys that verify access tokens',
    description: 'The current key and retired keys whose tokens may still be valid.',
  })
  @ApiOkResponse({ schema: { type: 'object', properties: { keys: { type: 'array', items: { type: 'object' } } } } })
  jwks(): { keys: JWK[] } {
    return { keys: this.keys.published().map((k) => k.publicJwk) };
  }

  @Get('openid-configuration')
  @Header('Cache-Control', CACHE)
  @ApiOperation({ summary: 'Issuer metadata: the issuer and where its keys are' })
  @ApiOkResponse({ schema: { type: 'object' } })
  configuration(): Record<string, unknown> {
    const issuer = this.tokens.issuerUrl;
    return {
      issuer,
      jwks_uri: `${issuer}/.well-known/jwks.json`,
      token_endpoint: `${issuer}/v1/auth/login`,
      grant_types_supported: ['password', 'refresh_token'],
      token_endpoint_auth_methods_supported: ['none'],
      id_token_signing_alg_values_supported: [SIGNING_ALG],
      access_token_signing_alg_values_supported: [SIGNING_ALG],
      claims_supported: ['iss', 'aud', 'sub', 'sid', 'jti', 'iat', 'exp', 'amr', 'acr', 'tid', 'roles', 'scp', 'plan'],
    };
  }
}
