import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { AuditLog, ChangeFeed } from '@user-engine/kernel';
import { API_KEY_CHANGES } from '../../api-key-authenticator';
import { AccessErrors } from '../../access.errors';
import { ApplicationsRepository } from '../../persistence/applications.repository';
import { type ApplicationView, toApplicationView } from '../../queries/list-applications/application.view';
import { UpdateApplication } from './update-application.command';

@CommandHandler(UpdateApplication)
export class UpdateApplicationHandler implements ICommandHandler<UpdateApplication, ApplicationView> {
  constructor(
    private readonly applications: ApplicationsRepository,
    private readonly audit: AuditLog,
    private readonly changes: ChangeFeed,
  ) {}

  async execute(c: UpdateApplication): Promise<ApplicationView> {
    const before = await this.applications.find(c.id, { lock: true });
    if (!before) throw AccessErrors.applicationNotFound();
    const changed = (Object.keys(c.changes) as (keyof UpdateApplication['changes'])[]).filter(
      (k) => c.changes[k] !== undefined && c.changes[k] !== before[k],
    );
    if (!changed.length) return toApplicationView(before);
    const after = await this.applications.update(c.id, c.changes);
    // A disabled application's keys stop working at once, on every process.
    if (changed.includes('status')) await this.changes.changed(API_KEY_CHANGES, c.id);
    const action = changed.includes('status')
      ? after.status === 'disabled'
        ? 'application.disabled'
        : 'application.enabled'
      : 'application.updated';
    await this.audit.append({
      actor: { type: 'user', id: c.actor.userId },
      action,
      outcome: 'success',
      resource: { type: 'application', id: c.id },
      ip: c.client.ip,
      userAgent: c.client.userAgent,
      data: Object.fromEntries(changed.map((k) => [k, { from: before[k], to: after[k] }])),
    });
    return toApplicationView(after);
  }
}
