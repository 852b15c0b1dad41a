import { Inject, Injectable } from '@nestjs/common';
import { Background } from '@user-engine/account';
import { httpConfig, type HttpConfig, Mailer, renderMail, UnitOfWork } from '@user-engine/kernel';
import { tenancyConfig, type TenancyConfig } from '../tenancy.config';

/** The invitation mail, sent after the transaction that made its token commits, without the request waiting. */
@Injectable()
export class InvitationMails {
  private readonly base: string;

  constructor(
    private readonly mailer: Mailer,
    private readonly background: Background,
    private readonly uow: UnitOfWork,
    @Inject(tenancyConfig.KEY) config: TenancyConfig,
    @Inject(httpConfig.KEY) http: HttpConfig,
  ) {
    this.base = (config.linkBaseUrl ?? http.publicUrl).replace(/\/+$/, '');
  }

  invite(to: string, tenantName: string, token: string, expiresAt: Date): Promise<void> {
    const url = `${this.base}/accept-invitation?token=${token}`;
    const message = renderMail(to, {
      kind: 'tenancy.invitation',
      subject: `Invitation to join ${tenantName}`,
      lines: [
        `You have been invited to join ${tenantName}.`,
        `Sign in (or create an account with this address and verify it), then accept the invitation. The link works until ${expiresAt.toISOString()}.`,
      ],
      action: { label: 'Accept the invitation', url },
    });
    return this.uow.afterCommit(() => this.background.run('mail tenancy.invitation', () => this.mailer.send(message)));
  }
}
