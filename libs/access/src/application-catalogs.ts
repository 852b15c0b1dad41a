import { Injectable, Logger, OnApplicationBootstrap, OnModuleInit } from '@nestjs/common';
import { AttributeCatalog, ChangeFeed, PermissionCatalog } from '@user-engine/kernel';
import { AuthorizationFacts } from './authorization-facts';
import { CatalogsRepository } from './persistence/catalogs.repository';

/** Change-feed channel of published catalogs (payload: the application id). */
export const CATALOG_CHANGES = 'access_catalog_changes';

/**
 * Keeps this process's PermissionCatalog and AttributeCatalog (what profiles validate attribute
 * writes and build projections from) in step with the applications' published catalogs: loaded
 * at start, reloaded whenever a catalog is published (here at commit, elsewhere on NOTIFY). Cached
 * decisions are dropped with every reload, since built-in roles' permissions may have changed.
 * Role writes do not trust this copy: they read the catalog tables under the catalog lock.
 */
@Injectable()
export class ApplicationCatalogs implements OnModuleInit, OnApplicationBootstrap {
  private readonly logger = new Logger('ApplicationCatalogs');
  private loaded = new Set<string>();
  private loadedSchemas = new Set<string>();
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly catalog: PermissionCatalog,
    private readonly attributes: AttributeCatalog,
    private readonly catalogs: CatalogsRepository,
    private readonly changes: ChangeFeed,
    private readonly facts: AuthorizationFacts,
  ) {}

  /** Subscribes before the application bootstraps: the notifications' connection LISTENs to the channels known then. */
  onModuleInit(): void {
    const reload = () => {
      this.reload().catch((err: Error) => this.logger.error(`could not reload the application catalogs: ${err.message}`));
    };
    this.changes.listen(CATALOG_CHANGES, { onChange: reload, onResync: reload });
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.reload();
  }

  /**
   * Reads every application's current permissions. Loads run one after another, so what resolves
   * has read the database after the call: a slower, older read never overwrites a newer one.
   */
  reload(): Promise<void> {
    const next = this.queue.then(() => this.load());
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async load(): Promise<void> {
    const [rows, schemas] = await Promise.all([this.catalogs.allPermissions(), this.catalogs.allProfileSchemas()]);
    const byApplication = new Map<string, typeof rows>();
    for (const r of rows) byApplication.set(r.application_key, [...(byApplication.get(r.application_key) ?? []), r]);
    for (const key of this.loaded) if (!byApplication.has(key)) this.catalog.replaceApplication(key, []);
    for (const [key, permissions] of byApplication) {
      const skipped = this.catalog.replaceApplication(
        key,
        permissions.map((p) => ({
          key: p.key,
          description: p.description,
          scope: 'tenant',
          minRole: p.default_role,
          deprecated: p.deprecated,
        })),
      );
      if (skipped.length)
        this.logger.warn(`application ${key}: permissions shadowing the modules' own were ignored: ${skipped.join(', ')}`);
    }
    this.loaded = new Set(byApplication.keys());
    const current = new Set(schemas.map((s) => s.application_key));
    for (const key of this.loadedSchemas) if (!current.has(key)) this.attributes.replaceApplication(key, undefined);
    for (const s of schemas)
      this.attributes.replaceApplication(s.application_key, {
        applicationId: s.application_id,
        attributes: s.attributes,
        profileFields: s.profile_fields,
      });
    this.loadedSchemas = current;
    this.facts.clear();
  }
}
