import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { AccessErrors } from '../../access.errors';
import { ApplicationsRepository } from '../../persistence/applications.repository';
import { CatalogsRepository } from '../../persistence/catalogs.repository';
import { type CatalogView, toCatalogView } from './catalog.view';
import { GetCatalog } from './get-catalog.query';

@QueryHandler(GetCatalog)
export class GetCatalogHandler implements IQueryHandler<GetCatalog, CatalogView | undefined> {
  constructor(
    private readonly applications: ApplicationsRepository,
    private readonly catalogs: CatalogsRepository,
  ) {}

  async execute(q: GetCatalog): Promise<CatalogView | undefined> {
    const application = await this.applications.find(q.applicationId);
    if (!application) throw AccessErrors.applicationNotFound();
    const current = await this.catalogs.current(application.id);
    return current && toCatalogView(application.key, current);
  }
}
