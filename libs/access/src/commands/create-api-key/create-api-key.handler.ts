import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler, QueryBus } from '@nestjs/cqrs';
import { AuditLog, KernelErrors, PermissionCatalog } from '@user-engine/kernel';
import { GetTenant, type TenantView } from '@user-engine/tenancy';
import { accessConfig, type AccessConfig } from '../../access.config';
import { AccessErrors } from '../../access.errors';
import { newApiKeySecret } from '../../domain/api-key-secret';
import { ApiKeysRepository } from '../../persistence/api-keys.repository';
import { ApplicationsRepository } from '../../persistence/applications.repository';
import { type ApiKeyView, toApiKeyView } from '../../queries/list-api-keys/api-key.view';
import { CreateApiKey } from './create-api-key.command';

@CommandHandler(CreateApiKey)
export class CreateApiKeyHandler implements ICommandHandler<CreateApiKey, ApiKeyView & { secret: string }> {
  constructor(
    private readonly applications: ApplicationsRepository,
    private readonly keys: ApiKeysRepository,
    private readonly catalog: PermissionCatalog,
    private readonly queries: QueryBus,
    private readonly audit: AuditLog,
    @Inject(accessConfig.KEY) private readonly config: AccessConfig,
  ) {}

  async execute(c: CreateApiKey): Promise<ApiKeyView & { secret: string }> {
    const unknown = c.key.scopes.filter((s) => !this.catalog.serviceScope(s));
    if (unknown.length) {
      const known = this.catalog.listServiceScopes().map((s) => s.key);
      throw KernelErrors.validation([
        { path: 'scopes', message: `unknown scope(s): ${unknown.join(', ')} (known: ${known.join(', ')})`, rule: 'ACCESS.UNKNOWN_SCOPE' },
      ]);
    }
    if (c.key.tenantId) {
      // Reaching users beyond the tenant (linking identities) is no tenant-bound key's business.
      const platformOnly = c.key.scopes.filter((s) => this.catalog.serviceScope(s)!.platformOnly);
      if (platformOnly.length) {
        throw KernelErrors.validation([
          {
            path: 'scopes',
            message: `${platformOnly.join(', ')} cannot be given to a key bound to one tenant`,
            rule: 'ACCESS.PLATFORM_SCOPE',
          },
        ]);
      }
    }
    if (c.key.expiresAt && c.key.expiresAt.getTime() <= Date.now()) {
      throw KernelErrors.validation([{ path: 'expires_at', message: 'expires_at must be in the future', rule: 'future' }]);
    }
    const application = await this.applications.find(c.applicationId, { lock: true });
    if (!application) throw AccessErrors.applicationNotFound();
    if (application.status !== 'active') throw AccessErrors.applicationDisabled();
    if (c.key.tenantId) {
      const tenant = await this.queries.execute<GetTenant, TenantView | undefined>(new GetTenant(c.key.tenantId));
      if (!tenant || tenant.status === 'deleted') {
        throw KernelErrors.validation([{ path: 'tenant_id', message: 'no such tenant', rule: 'ACCESS.UNKNOWN_TENANT' }]);
      }
    }
    const { secret, prefix, hash } = newApiKeySecret(this.config.apiKeyEnvironment);
    const row = await this.keys.insert({
      id: c.id,
      applicationId: application.id,
      name: c.key.name,
      prefix,
      secretHash: hash,
      scopes: [...c.key.scopes].sort(),
      tenantId: c.key.tenantId,
      expiresAt: c.key.expiresAt,
      createdBy: c.actor.userId,
    });
    await this.audit.append({
      actor: { type: 'user', id: c.actor.userId },
      action: 'api_key.created',
      outcome: 'success',
      resource: { type: 'api_key', id: row.id },
      ip: c.client.ip,
      userAgent: c.client.userAgent,
      data: {
        application_id: application.id,
        name: row.name,
        prefix,
        scopes: row.scopes,
        tenant_id: row.tenant_id,
        expires_at: row.expires_at?.toISOString() ?? null,
      },
    });
    return { ...toApiKeyView(row), secret };
  }
}
