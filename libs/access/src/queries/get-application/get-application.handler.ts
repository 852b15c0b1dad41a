import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { ApplicationsRepository } from '../../persistence/applications.repository';
import { type ApplicationView, toApplicationView } from '../list-applications/application.view';
import { GetApplication } from './get-application.query';

@QueryHandler(GetApplication)
export class GetApplicationHandler implements IQueryHandler<GetApplication, ApplicationView | undefined> {
  constructor(private readonly applications: ApplicationsRepository) {}

  async execute(q: GetApplication): Promise<ApplicationView | undefined> {
    const row = await this.applications.find(q.id);
    return row && toApplicationView(row);
  }
}
