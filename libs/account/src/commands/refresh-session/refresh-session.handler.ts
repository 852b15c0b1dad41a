import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { accountConfig, type AccountConfig } from '../../account.config';
import { AccountAudit } from '../../account-audit';
import { hashSecureToken } from '../../domain/secure-token';
import { SessionsRepository } from '../../persistence/sessions.repository';
import { UsersRepository } from '../../persistence/users.repository';
import { SessionRevocation } from '../../tokens/session-revocation';
import { TokenPair, TokenPairs } from '../../tokens/token-pairs';
import { RefreshSession } from './refresh-session.command';

/**
 * The outcome rather than an error: a reuse must commit the revocation it causes, so the handler
 * returns and the controller turns `reused`/`invalid` into 401s after the transaction committed.
 */
export type RefreshResult = { kind: 'rotated'; pair: TokenPair } | { kind: 'reused' } | { kind: 'invalid' };

@CommandHandler(RefreshSession)
export class RefreshSessionHandler implements ICommandHandler<RefreshSession, RefreshResult> {
  constructor(
    private readonly sessions: SessionsRepository,
    private readonly users: UsersRepository,
    private readonly pairs: TokenPairs,
    private readonly revocation: SessionRevocation,
    private readonly audit: AccountAudit,
    @Inject(accountConfig.KEY) private readonly config: AccountConfig,
  ) {}

  async execute(c: RefreshSession): Promise<RefreshResult> {
    const outcome = await this.sessions.consumeRefreshToken(hashSecureToken(c.refreshToken));
    if (outcome.kind === 'reused') {
      // A rotated token came back: two parties hold this session. End it for both.
      await this.revocation.revokeOne(outcome.session.id, 'refresh_token_reused');
      await this.audit.record('auth.refresh.reused', 'denied', {
        userId: outcome.session.user_id,
        client: c.client,
        data: { session_id: outcome.session.id },
      });
      return { kind: 'reused' };
    }
    if (outcome.kind === 'invalid') return { kind: 'invalid' };
    const { session } = outcome;
    const user = await this.users.findById(session.user_id);
    if (user?.status !== 'active') return { kind: 'invalid' };
    await this.sessions.touch(session.id, this.config.sessionIdleTtl);
    return { kind: 'rotated', pair: await this.pairs.issue(session.user_id, session.id, session.amr) };
  }
}
