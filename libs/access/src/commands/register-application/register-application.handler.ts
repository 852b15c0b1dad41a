import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { AuditLog } from '@user-engine/kernel';
import { AccessErrors } from '../../access.errors';
import { ApplicationsRepository } from '../../persistence/applications.repository';
import { type ApplicationView, toApplicationView } from '../../queries/list-applications/application.view';
import { RegisterApplication } from './register-application.command';

@CommandHandler(RegisterApplication)
export class RegisterApplicationHandler implements ICommandHandler<RegisterApplication, ApplicationView> {
  constructor(
    private readonly applications: ApplicationsRepository,
    private readonly audit: AuditLog,
  ) {}

  async execute(c: RegisterApplication): Promise<ApplicationView> {
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
