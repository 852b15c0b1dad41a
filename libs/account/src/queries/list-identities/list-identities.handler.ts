import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { IdentitiesRepository } from '../../persistence/identities.repository';
import { toIdentityView, type IdentityView } from '../identity.view';
import { ListIdentities } from './list-identities.query';

@QueryHandler(ListIdentities)
export class ListIdentitiesHandler implements IQueryHandler<ListIdentities, IdentityView[]> {
  constructor(private readonly identities: IdentitiesRepository) {}

  async execute(q: ListIdentities): Promise<IdentityView[]> {
    return (await this.identities.listOfUser(q.userId)).map(toIdentityView);
  }
}
