import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { normaliseEmail } from '../../domain/secure-token';
import { UsersRepository } from '../../persistence/users.repository';
import { toUserView, type UserView } from '../user.view';
import { FindUserByEmail } from './find-user-by-email.query';

@QueryHandler(FindUserByEmail)
export class FindUserByEmailHandler implements IQueryHandler<FindUserByEmail, UserView | undefined> {
  constructor(private readonly users: UsersRepository) {}

  async execute(q: FindUserByEmail): Promise<UserView | undefined> {
    const user = await this.users.findByEmail(normaliseEmail(q.email));
    return user && toUserView(user);
  }
}
