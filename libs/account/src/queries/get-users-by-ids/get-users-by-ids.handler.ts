import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { UsersRepository } from '../../persistence/users.repository';
import { toUserView, type UserView } from '../user.view';
import { GetUsersByIds } from './get-users-by-ids.query';

@QueryHandler(GetUsersByIds)
export class GetUsersByIdsHandler implements IQueryHandler<GetUsersByIds, UserView[]> {
  constructor(private readonly users: UsersRepository) {}

  async execute(q: GetUsersByIds): Promise<UserView[]> {
    if (!q.userIds.length) return [];
    return (await this.users.findByIds([...new Set(q.userIds)])).map(toUserView);
  }
}
