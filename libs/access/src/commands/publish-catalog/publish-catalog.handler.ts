import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { ApplicationCatalogPublished } from '@user-engine/contracts';
import { AuditLog, ChangeFeed, KernelErrors, OutboxPublisher, UnitOfWork } from '@user-engine/kernel';
import { AccessErrors } from '../../access.errors';
import { ApplicationCatalogs, CATALOG_CHANGES } from '../../application-catalogs';
import { incompatibleAttributes, removedPermissions, sameCatalog, validateCatalog } from '../../domain/catalog';
import { ApplicationsRepository } from '../../persistence/applications.repository';
import { CatalogsRepository } from '../../persistence/catalogs.repository';
import { type CatalogView, toCatalogView } from '../../queries/get-catalog/catalog.view';
import { PublishCatalog } from './publish-catalog.command';

/**
 * Publishing replaces the application's catalog with a new version. A permission that custom roles
 * still hold never disappears silently: leaving it out is refused (409, with where it is used)
 * unless it is listed in `deprecated`, which keeps it working for those roles and offers it to no
 * new one. Publishing the current catalog again changes nothing and returns it.
 */
@CommandHandler(PublishCatalog)
export class PublishCatalogHandler implements ICommandHandler<PublishCatalog, { catalog: CatalogView; created: boolean }> {
  constructor(
    private readonly applications: ApplicationsRepository,
    private readonly catalogs: CatalogsRepository,
    private readonly audit: AuditLog,
    private readonly outbox: OutboxPublisher,
    private readonly changes: ChangeFeed,
    private readonly uow: UnitOfWork,
    private readonly loaded: ApplicationCatalogs,
  ) {}

  async execute(c: PublishCatalog): Promise<{ catalog: CatalogView; created: boolean }> {
    const application = await this.applications.find(c.applicationId, { lock: true });
    if (!application) throw AccessErrors.applicationNotFound();
    if (application.status !== 'active') throw AccessErrors.applicationDisabled();
    await this.catalogs.lockExclusive();
    const current = await this.catalogs.current(application.id);
    const { catalog, errors } = validateCatalog(application.key, c.input, current);
    if (errors.length) throw KernelErrors.validation(errors);
    const incompatible = incompatibleAttributes(current, c.input);
    if (incompatible.length) throw AccessErrors.catalogIncompatible(incompatible);
    if (current && sameCatalog(current, catalog)) return { catalog: toCatalogView(application.key, current), created: false };

    const removed = removedPermissions(current, catalog);
    const inUse = (await this.catalogs.usage(removed)).filter((u) => u.roles > 0);
    if (inUse.length) throw AccessErrors.permissionInUse(inUse);

    const version = (current?.version ?? 0) + 1;
    const row = await this.catalogs.publish(application.id, version, c.actor.userId, catalog);
    const before = new Map(current?.permissions.map((p) => [p.key, p]) ?? []);
    const added = catalog.permissions.filter((p) => !before.has(p.key)).map((p) => p.key);
    const deprecated = catalog.permissions.filter((p) => p.deprecated && !before.get(p.key)?.deprecated).map((p) => p.key);
    const view = toCatalogView(application.key, row);
    await this.audit.append({
      actor: { type: 'user', id: c.actor.userId },
      action: 'application.catalog_published',
      outcome: 'success',
      resource: { type: 'application', id: application.id },
      ip: c.client.ip,
      userAgent: c.client.userAgent,
      data: {
        version,
        added,
        deprecated,
        removed,
        attributes: catalog.attributes.map((a) => a.key),
        profile_fields: catalog.profile_fields,
      },
    });
    await this.outbox.publish(ApplicationCatalogPublished, {
      aggregate: { type: 'application', id: application.id },
      actor: { type: 'user', id: c.actor.userId },
      payload: {
        application_id: application.id,
        application_key: application.key,
        version,
        permissions: view.permissions,
        attributes: view.attributes,
        profile_fields: view.profile_fields,
        added,
        deprecated,
        removed,
        published_by: c.actor.userId,
        published_at: view.published_at,
      },
    });
    // Every process reloads the application's permissions into its catalog (and drops cached decisions).
    await this.changes.changed(CATALOG_CHANGES, application.id);
    // …and this one before answering, so the publisher's next request already sees it.
    await this.uow.afterCommit(() => this.loaded.reload());
    return { catalog: view, created: true };
  }
}
