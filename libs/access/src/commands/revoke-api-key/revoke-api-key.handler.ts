import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { AuditLog, ChangeFeed } from '@user-engine/kernel';
import { AccessErrors } from '../../access.errors';
import { API_KEY_CHANGES } from '../../api-key-authenticator';
import { ApiKeysRepository } from '../../persistence/api-keys.repository';
import { RevokeApiKey } from './revoke-api-key.command';

/** Idempotent: revoking a revoked key changes nothing (and is not audited again). */
@CommandHandler(RevokeApiKey)
export class RevokeApiKeyHandler implements ICommandHandler<RevokeApiKey, void> {
  constructor(
    private readonly keys: ApiKeysRepository,
    private readonly audit: AuditLog,
    private readonly changes: ChangeFeed,
  ) {}

  async execute(c: RevokeApiKey): Promise<void> {
    const result = await this.keys.revoke(c.applicationId, c.keyId, c.actor.userId);
    if (!result) throw AccessErrors.apiKeyNotFound();
    if (!result.changed) return;
    await this.audit.append({
      actor: { type: 'user', id: c.actor.userId },
      action: 'api_key.revoked',
      outcome: 'success',
      resource: { type: 'api_key', id: c.keyId },
      ip: c.client.ip,
      userAgent: c.client.userAgent,
      data: { application_id: c.applicationId, name: result.row.name, prefix: result.row.prefix },
    });
    await this.changes.changed(API_KEY_CHANGES, c.keyId);
  }
}
