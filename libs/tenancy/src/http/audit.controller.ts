import { Controller, Get, Param, Query, Res } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { ApiProblems, type Page, ParseUuidPipe, RequirePermission } from '@user-engine/kernel';
import type { FastifyReply } from 'fastify';
import { Readable } from 'node:stream';
import type { AuditEntryView } from '../queries/list-audit/list-audit.handler';
import { ListAudit } from '../queries/list-audit/list-audit.query';
import { INVALID, TENANT_ACCESS, TOKEN_PROBLEMS } from './problems';
import { AuditExportQueryDto, AuditListResponse, AuditQueryDto } from './tenancy.dto';

const CSV_COLUMNS: (keyof AuditEntryView)[] = [
  'id',
  'seq',
  'occurred_at',
  'actor_type',
  'actor_id',
  'action',
  'outcome',
  'resource_type',
  'resource_id',
  'request_id',
  'ip',
  'user_agent',
  'data',
];

/**
 * RFC 4180 field, always quoted (a spreadsheet splitting on `;` must not see a cell start inside
 * it); a leading formula character is neutralised so a spreadsheet never evaluates it.
 */
function csvField(value: unknown): string {
  if (value === null || value === undefined) return '';
  let s = typeof value === 'object' ? JSON.stringify(value) : String(value);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return `"${s.replace(/"/g, '""')}"`;
}

const filterOf = (q: AuditQueryDto | AuditExportQueryDto) => ({
  actorId: q.actor_id?.toLowerCase(),
  action: q.action,
  from: q.from ? new Date(q.from) : undefined,
  to: q.to ? new Date(q.to) : undefined,
});

@ApiTags('audit')
@ApiBearerAuth()
@ApiProblems(TOKEN_PROBLEMS, ...TENANT_ACCESS, INVALID)
@Controller('v1/tenants/:tenant_id/audit')
export class AuditController {
  constructor(private readonly queries: QueryBus) {}

  @Get()
  @RequirePermission('audit:read')
  @ApiOperation({ summary: "The tenant's audit trail", description: 'Newest first; filter by actor, action (or `prefix.*`) and time.' })
  @ApiOkResponse({ type: AuditListResponse })
  list(@Param('tenant_id', ParseUuidPipe) tenantId: string, @Query() q: AuditQueryDto): Promise<Page<AuditEntryView>> {
    return this.queries.execute(new ListAudit(tenantId, filterOf(q), q));
  }

  @Get('export')
  @RequirePermission('audit:read')
  @ApiOperation({
    summary: "Export the tenant's audit trail",
    description: 'Streamed, newest first, page by page (each page its own short transaction): NDJSON or CSV.',
  })
  @ApiProduces('application/x-ndjson', 'text/csv')
  @ApiOkResponse({ description: 'One entry per line.' })
  async export(
    @Param('tenant_id', ParseUuidPipe) tenantId: string,
    @Query() q: AuditExportQueryDto,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const filter = filterOf(q);
    const queries = this.queries;
    // The first page is read before the headers go out, so an error still becomes a problem document.
    let page = await queries.execute<ListAudit, Page<AuditEntryView>>(new ListAudit(tenantId, filter, { limit: 100 }));
    async function* lines(): AsyncGenerator<string> {
      if (q.format === 'csv') yield `${CSV_COLUMNS.join(',')}\r\n`;
      for (;;) {
        for (const e of page.items)
          yield q.format === 'csv' ? `${CSV_COLUMNS.map((c) => csvField(e[c])).join(',')}\r\n` : `${JSON.stringify(e)}\n`;
        if (!page.next_cursor) return;
        page = await queries.execute<ListAudit, Page<AuditEntryView>>(
          new ListAudit(tenantId, filter, { limit: 100, cursor: page.next_cursor }),
        );
      }
    }
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    await reply
      .header('content-type', q.format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8')
      .header('content-disposition', `attachment; filename="audit-${tenantId}-${stamp}.${q.format}"`)
      .send(Readable.from(lines()));
  }
}
