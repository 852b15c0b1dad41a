import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { idPage, type Page, UnitOfWork } from '@user-engine/kernel';
import type { ApplicationRow } from '../../persistence/applications.repository';
import { type ApplicationView, toApplicationView } from './application.view';
import { ListApplications } from './list-applications.query';

@QueryHandler(ListApplications)
export class ListApplicationsHandler implements IQueryHandler<ListApplications, Page<ApplicationView>> {
  constructor(private readonly uow: UnitOfWork) {}

  async execute(q: ListApplications): Promise<Page<ApplicationView>> {
    const params: unknown[] = [];
    const where = q.filter.status ? [`status = $${params.push(q.filter.status)}`] : [];
    const page = await idPage<ApplicationRow & Record<string, unknown>>(this.uow.manager, {
      list: 'applications',
      from: 'access.applications',
      id: 'id',
      where,
      params,
      ...q.page,
    });
    return { items: page.rows.map(toApplicationView), next_cursor: page.next_cursor };
  }
}
