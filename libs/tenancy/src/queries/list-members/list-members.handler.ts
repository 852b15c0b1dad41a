import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import {
  DEFAULT_PAGE_SIZE,
  decodeCursor,
  encodeCursor,
  invalidCursor,
  isUuid,
  likePrefix,
  type Page,
  queryRows,
  UnitOfWork,
} from '@user-engine/kernel';
import type { MembershipRow } from '../../persistence/tenancy.rows';
import { toMemberView, type MemberView } from '../views';
import { ListMembers } from './list-members.query';

@QueryHandler(ListMembers)
export class ListMembersHandler implements IQueryHandler<ListMembers, Page<MemberView>> {
  constructor(private readonly uow: UnitOfWork) {}

  async execute(q: ListMembers): Promise<Page<MemberView>> {
    const limit = q.page.limit ?? DEFAULT_PAGE_SIZE;
    // Built per filter combination so every query matches the (tenant_id, email, user_id) index.
    const params: unknown[] = [q.tenantId];
    const where = ['tenant_id = $1'];
    if (q.filter.status) where.push(`status = $${params.push(q.filter.status)}`);
    if (q.filter.role) where.push(`roles @> ARRAY[$${params.push(q.filter.role)}::text]`);
    if (q.filter.emailPrefix) where.push(`email COLLATE "C" LIKE $${params.push(likePrefix(q.filter.emailPrefix.toLowerCase()))}`);
    if (q.page.cursor) {
      const [email, userId] = decodeCursor('members', q.page.cursor, 2);
      if (typeof email !== 'string' || !isUuid(userId)) throw invalidCursor();
      where.push(`(email COLLATE "C", user_id) > ($${params.push(email)} COLLATE "C", $${params.push(userId)}::uuid)`);
    }
    const rows = await queryRows<MembershipRow>(
      this.uow.manager,
      `SELECT * FROM tenancy.memberships WHERE ${where.join(' AND ')}
        ORDER BY email COLLATE "C", user_id LIMIT $${params.push(limit + 1)}`,
      params,
    );
    const items = rows.slice(0, limit);
    const last = items[items.length - 1];
    return {
      items: items.map(toMemberView),
      next_cursor: rows.length > limit ? encodeCursor('members', [last.email, last.user_id]) : null,
    };
  }
}
