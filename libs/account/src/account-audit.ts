import { Injectable } from '@nestjs/common';
import { AuditLog, type AuditEntryInput, type ClientInfo } from '@user-engine/kernel';

/** Audit entries of the account module: platform chain, with the client's IP and user agent. */
@Injectable()
export class AccountAudit {
  constructor(private readonly audit: AuditLog) {}

  record(
    action: string,
    outcome: AuditEntryInput['outcome'],
    input: {
      userId?: string | null;
      client?: ClientInfo;
      data?: Record<string, unknown>;
      actor?: AuditEntryInput['actor'];
      separate?: boolean;
    },
  ): Promise<string> {
    return this.audit.append(
      {
        actor: input.actor ?? (input.userId ? { type: 'user', id: input.userId } : { type: 'anonymous' }),
        action,
        outcome,
        resource: input.userId ? { type: 'user', id: input.userId } : undefined,
        ip: input.client?.ip ?? null,
        userAgent: input.client?.userAgent ?? null,
        data: input.data,
      },
      { separate: input.separate },
    );
  }
}
