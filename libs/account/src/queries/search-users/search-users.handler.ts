import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { isUuid, keysetPage, likePrefix, type Page, UnitOfWork } from '@user-engine/kernel';
import { UserEntity } from '../../persistence/user.entity';
import { toUserView, type UserView } from '../user.view';
import { SearchUsers } from './search-users.query';

@QueryHandler(SearchUsers)
export class SearchUsersHandler implements IQueryHandler<SearchUsers, Page<UserView>> {
  constructor(private readonly uow: UnitOfWork) {}

  async execute(q: SearchUsers): Promise<Page<UserView>> {
    const term = q.query.trim().toLowerCase();
    const qb = this.uow.manager.getRepository(UserEntity).createQueryBuilder('u').where(`u.status <> 'deleted'`);
    const byId: boolean = isUuid(term);
    if (byId) qb.andWhere('u.id = :id', { id: term });
    else if (term) qb.andWhere(`u.email COLLATE "C" LIKE :prefix`, { prefix: likePrefix(term) });
    const page = await keysetPage(qb, {
      list: 'admin-users',
      orderBy: ['u.email', 'u.id'],
      key: (u) => [u.email ?? '', u.id],
      limit: q.page.limit,
      cursor: q.page.cursor,
    });
    return { items: page.items.map(toUserView), next_cursor: page.next_cursor };
  }
}
