import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { AuditLog, PermissionCatalog } from '@user-engine/kernel';
import { AccessErrors } from '../../access.errors';
import { ApplicationsRepository } from '../../persistence/applications.repository';
import { type ApplicationView, toApplicationView } from '../../queries/list-applications/application.view';
import { RegisterApplication } from './register-application.command';

/** Namespaces of the modules (mounted or not) and of the platform itself. */
const RESERVED_KEYS = new Set([
  'account',
  'profile',
  'tenancy',
  'access',
  'subscription',
  'integration',
  'platform',
  'internal',
  'user-engine',
]);

@CommandHandler(RegisterApplication)
export class RegisterApplicationHandler implements ICommandHandler<RegisterApplication, ApplicationView> {
  constructor(
    private readonly applications: ApplicationsRepository,
    private readonly audit: AuditLog,
    private readonly catalog: PermissionCatalog,
  ) {}

  async execute(c: RegisterApplication): Promise<ApplicationView> {
    // An application's key namespaces its permissions: it must not be one of the modules' own.
    if (RESERVED_KEYS.has(c.key) || this.catalog.moduleNamespaces().has(c.key)) throw AccessErrors.reservedApplicationKey(c.key);
    const row = await this.applications.insert({
      id: c.id,
      key: c.key,
      name: c.name,
      description: c.description,
      createdBy: c.actor.userId,
    });
    if (!row) throw AccessErrors.applicationKeyTaken();
    await this.audit.append({
      actor: { type: 'user', id: c.actor.userId },
      action: 'application.registered',
      outcome: 'success',
      resource: { type: 'application', id: row.id },
      ip: c.client.ip,
      userAgent: c.client.userAgent,
      data: { key: row.key, name: row.name },
    });
    return toApplicationView(row);
  }
}
