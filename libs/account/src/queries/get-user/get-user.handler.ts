import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { Scopes, UnitOfWork } from '@user-engine/kernel';
import { UserCache } from '../../persistence/user-cache';
import { UsersRepository } from '../../persistence/users.repository';
import { toUserView, type UserView } from '../user.view';
import { GetUser } from './get-user.query';

@QueryHandler(GetUser)
export class GetUserHandler implements IQueryHandler<GetUser, UserView | undefined> {
  constructor(
    private readonly users: UsersRepository,
    private readonly cache: UserCache,
    private readonly uow: UnitOfWork,
  ) {}

  execute(q: GetUser): Promise<UserView | undefined> {
    const load = async () => {
      const user = await this.users.findById(q.userId);
      return user && toUserView(user);
    };
    // Inside a caller's transaction (any scope: account tables are not tenant-scoped) it reads there.
    if (this.uow.active) return load();
    return this.cache.get(q.userId, () => this.uow.run(Scopes.global, load));
  }
}
