import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { AccountAudit } from '../../account-audit';
import { TokenPair, TokenPairs } from '../../tokens/token-pairs';
import { StartSession } from './start-session.command';

@CommandHandler(StartSession)
export class StartSessionHandler implements ICommandHandler<StartSession, TokenPair> {
  constructor(
    private readonly pairs: TokenPairs,
    private readonly audit: AccountAudit,
  ) {}

  async execute(c: StartSession): Promise<TokenPair> {
    const pair = await this.pairs.startSession(c.userId, c.amr, c.client);
    await this.audit.record('auth.login.succeeded', 'success', {
      userId: c.userId,
      client: c.client,
      data: { session_id: pair.session_id, amr: c.amr },
    });
    return pair;
  }
}
