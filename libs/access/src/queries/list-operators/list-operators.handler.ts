import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { PLATFORM_OPERATOR } from '../../access.permissions';
import { PlatformRolesRepository } from '../../persistence/platform-roles.repository';
import { ListOperators } from './list-operators.query';

export interface OperatorView {
  user_id: string;
  granted_by: string | null;
  granted_at: string;
}

@QueryHandler(ListOperators)
export class ListOperatorsHandler implements IQueryHandler<ListOperators, OperatorView[]> {
  constructor(private readonly roles: PlatformRolesRepository) {}

  async execute(): Promise<OperatorView[]> {
    return (await this.roles.holders(PLATFORM_OPERATOR)).map((r) => ({
      user_id: r.user_id,
      granted_by: r.granted_by,
      granted_at: r.granted_at.toISOString(),
    }));
  }
}
