import { Inject, Injectable } from '@nestjs/common';
import { type ClientInfo, uuidv7 } from '@user-engine/kernel';
import { accountConfig, type AccountConfig } from '../account.config';
import { newSecureToken } from '../domain/secure-token';
import { SessionsRepository } from '../persistence/sessions.repository';
import { AccessTokens, type IssueAccessToken } from './access-tokens';

export interface TokenPair {
  access_token: string;
  refresh_token: string;
  token_type: 'Bearer';
  /** Seconds until the access token expires. */
  expires_in: number;
  session_id: string;
}

/** Sessions and the token pairs issued for them (inside the caller's unit of work). */
@Injectable()
export class TokenPairs {
  constructor(
    private readonly sessions: SessionsRepository,
    private readonly accessTokens: AccessTokens,
    @Inject(accountConfig.KEY) private readonly config: AccountConfig,
  ) {}

  /** Opens a session for a user who just proved who they are, and issues its first pair. */
  async startSession(userId: string, amr: readonly string[], client: ClientInfo, tenant?: IssueAccessToken['tenant']): Promise<TokenPair> {
    const refresh = newSecureToken();
    const session = await this.sessions.create({
      id: uuidv7(),
      userId,
      amr,
      ip: client.ip,
      userAgent: client.userAgent,
      idleTtl: this.config.sessionIdleTtl,
      absoluteTtl: this.config.sessionAbsoluteTtl,
      refreshTokenHash: refresh.hash,
    });
    return this.pair(userId, session.id, amr, refresh.token, tenant);
  }

  /** A new pair for an existing session (the caller has rotated the old refresh token). */
  async issue(userId: string, sessionId: string, amr: readonly string[]): Promise<TokenPair> {
    const refresh = newSecureToken();
    await this.sessions.addRefreshToken(sessionId, refresh.hash);
    return this.pair(userId, sessionId, amr, refresh.token);
  }

  private async pair(
    userId: string,
    sessionId: string,
    amr: readonly string[],
    refreshToken: string,
    tenant?: IssueAccessToken['tenant'],
  ): Promise<TokenPair> {
    return {
      access_token: await this.accessTokens.issue({ userId, sessionId, amr, tenant }),
      refresh_token: refreshToken,
      token_type: 'Bearer',
      expires_in: this.accessTokens.lifetimeSeconds,
      session_id: sessionId,
    };
  }
}
