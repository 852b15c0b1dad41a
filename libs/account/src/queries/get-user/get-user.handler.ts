import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { UsersRepository } from '../../persistence/users.repository';
import { toUserView, type UserView } from '../user.view';
import { GetUser } from './get-user.query';

@QueryHandler(GetUser)
export class GetUserHandler implements IQueryHandler<GetUser, UserView | undefined> {
  constructor(private readonly users: UsersRepository) {}

  async execute(q: GetUser): Promise<UserView | undefined> {
    const user = await this.users.findById(q.userId);
    return user && toUserView(user);
  }
}
