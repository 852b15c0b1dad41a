import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { idPage, type Page, UnitOfWork } from '@user-engine/kernel';
import { AccessErrors } from '../../access.errors';
import type { ApiKeyRow } from '../../persistence/api-keys.repository';
import { ApplicationsRepository } from '../../persistence/applications.repository';
import { type ApiKeyView, toApiKeyView } from './api-key.view';
import { ListApiKeys } from './list-api-keys.query';

const STATUS = {
  active: `revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now())`,
  expired: `revoked_at IS NULL AND expires_at <= now()`,
  revoked: `revoked_at IS NOT NULL`,
};

@QueryHandler(ListApiKeys)
export class ListApiKeysHandler implements IQueryHandler<ListApiKeys, Page<ApiKeyView>> {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly applications: ApplicationsRepository,
  ) {}

  async execute(q: ListApiKeys): Promise<Page<ApiKeyView>> {
    if (!(await this.applications.find(q.applicationId))) throw AccessErrors.applicationNotFound();
    const params: unknown[] = [q.applicationId];
    const where = [`application_id = $1`, ...(q.filter.status ? [STATUS[q.filter.status]] : [])];
    const page = await idPage<ApiKeyRow & Record<string, unknown>>(this.uow.manager, {
      list: `api-keys:${q.applicationId}`,
      from: 'access.api_keys',
      id: 'id',
      where,
      params,
      ...q.page,
    });
    const now = new Date();
    return { items: page.rows.map((k) => toApiKeyView(k, now)), next_cursor: page.next_cursor };
  }
}
