import { Body, Controller, Get, HttpCode, Inject, Module, Param, Post, Query } from '@nestjs/common';
import { CommandBus, CommandHandler, ICommandHandler, QueryBus, QueryHandler, IQueryHandler } from '@nestjs/cqrs';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsInt, IsObject, IsOptional, IsString, Length, Max, Min, ValidateNested } from 'class-validator';
import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';
import type { IntegrationEvent } from '@user-engine/contracts';
import {
  AuditLog,
  DomainError,
  Idempotent,
  IntegrationEventHandler,
  keysetPage,
  OutboxPublisher,
  Page,
  PageQueryDto,
  Public,
  ParseUuidPipe,
  RequestContext,
  Scope,
  Scopes,
  UnitOfWork,
  uuidv7,
} from '@user-engine/kernel';
import { FlakyHappened, NoteCreated, PoisonHappened, SlowHappened } from './probe.events';

@Entity({ schema: 'probe', name: 'notes' })
export class NoteEntity {
  @PrimaryColumn('uuid') tenant_id!: string;
  @PrimaryColumn('uuid') id!: string;
  @Column('text') text!: string;
  @CreateDateColumn({ type: 'timestamptz' }) created_at!: Date;
}

export class CreateNoteDto {
  @IsString() @Length(1, 200) text!: string;
}

class AddressDto {
  @IsString() city!: string;
}

export class EchoDto {
  @IsString() name!: string;
  @IsInt() @Min(0) @Max(150) age!: number;
  @IsObject() @ValidateNested() @Type(() => AddressDto) address!: AddressDto;
  @IsOptional() @IsArray() @ArrayMaxSize(3) @IsString({ each: true }) tags?: string[];
}

export class CreateNote {
  readonly scope: Scope;
  constructor(
    readonly tenantId: string,
    readonly text: string,
  ) {
    this.scope = Scopes.tenant(tenantId);
  }
}

/** Declares no scope: it runs in the request's tenant, resolved from the path. */
export class ListNotesOfRequestTenant {
  constructor(readonly page: PageQueryDto) {}
}

@QueryHandler(ListNotesOfRequestTenant)
export class ListNotesOfRequestTenantHandler implements IQueryHandler<ListNotesOfRequestTenant> {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly context: RequestContext,
  ) {}

  async execute(q: ListNotesOfRequestTenant) {
    const page = await this.uow.manager.getRepository(NoteEntity).find({ order: { id: 'ASC' }, take: q.page.limit ?? 20 });
    return { tenant: this.context.tenant?.tenantId ?? null, scope: this.uow.scope, texts: page.map((n) => n.text) };
  }
}

export class ListNotes {
  readonly scope: Scope;
  constructor(
    readonly tenantId: string,
    readonly page: PageQueryDto,
  ) {
    this.scope = Scopes.tenant(tenantId);
  }
}

@CommandHandler(CreateNote)
export class CreateNoteHandler implements ICommandHandler<CreateNote> {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly outbox: OutboxPublisher,
    private readonly audit: AuditLog,
  ) {}

  async execute(cmd: CreateNote): Promise<{ id: string; text: string }> {
    const note = await this.uow.manager.getRepository(NoteEntity).save({ tenant_id: cmd.tenantId, id: uuidv7(), text: cmd.text });
    await this.outbox.publish(NoteCreated, {
      tenantId: cmd.tenantId,
      aggregate: { type: 'tenant', id: cmd.tenantId },
      actor: { type: 'system', id: null },
      payload: { note_id: note.id, text: note.text },
    });
    await this.audit.append({
      tenantId: cmd.tenantId,
      actor: { type: 'system' },
      action: 'probe.note.created',
      outcome: 'success',
      resource: { type: 'note', id: note.id },
    });
    if (cmd.text === 'rollback') throw new DomainError('conflict', 'PROBE.ROLLBACK', 'Rolled back on purpose.');
    return { id: note.id, text: note.text };
  }
}

@QueryHandler(ListNotes)
export class ListNotesHandler implements IQueryHandler<ListNotes> {
  constructor(private readonly uow: UnitOfWork) {}

  execute(q: ListNotes): Promise<Page<NoteEntity>> {
    const qb = this.uow.manager.getRepository(NoteEntity).createQueryBuilder('n');
    return keysetPage(qb, { list: 'probe.notes', orderBy: ['n.id'], key: (n) => [n.id], limit: q.page.limit, cursor: q.page.cursor });
  }
}

export const PROBE_APP_LABEL = Symbol('PROBE_APP_LABEL');

@IntegrationEventHandler(NoteCreated, { name: 'probe.note-created-effect' })
export class NoteCreatedEffect {
  constructor(
    private readonly uow: UnitOfWork,
    @Inject(PROBE_APP_LABEL) private readonly label: string,
  ) {}

  async handle(event: IntegrationEvent<{ note_id: string }>): Promise<void> {
    await this.uow.manager.query(`INSERT INTO probe.effects (event_id, aggregate_id, handler, app) VALUES ($1, $2, $3, $4)`, [
      event.envelope.id,
      event.envelope.aggregate.id,
      'note-created-effect',
      this.label,
    ]);
  }
}

/** Fails the first `fail_times` deliveries of each event, then succeeds. */
@IntegrationEventHandler(FlakyHappened)
export class FlakyHandler {
  readonly attempts = new Map<string, number>();
  constructor(private readonly uow: UnitOfWork) {}

  async handle(event: IntegrationEvent<{ fail_times: number }>): Promise<void> {
    const n = (this.attempts.get(event.envelope.id) ?? 0) + 1;
    this.attempts.set(event.envelope.id, n);
    // The write happens before the failure: it must roll back with it.
    await this.uow.manager.query(`INSERT INTO probe.effects (event_id, aggregate_id, handler) VALUES ($1, $2, 'flaky')`, [
      event.envelope.id,
      event.envelope.aggregate.id,
    ]);
    if (n <= event.payload.fail_times) throw new Error(`flaky failure ${n}`);
  }
}

/** Holds each delivery until the test opens the gate: lets a test act while a handler runs. */
@IntegrationEventHandler(SlowHappened)
export class SlowHandler {
  private gate?: { promise: Promise<void>; open: () => void; entered: () => void; reached: Promise<void> };

  /** Arms the gate; resolves `reached` once a delivery is waiting at it. */
  arm(): { reached: Promise<void>; open: () => void } {
    let open!: () => void;
    let entered!: () => void;
    const promise = new Promise<void>((r) => (open = r));
    const reached = new Promise<void>((r) => (entered = r));
    this.gate = { promise, open, entered, reached };
    return { reached, open };
  }

  async handle(): Promise<void> {
    const gate = this.gate;
    if (!gate) return;
    gate.entered();
    await gate.promise;
  }
}

@IntegrationEventHandler(PoisonHappened)
export class PoisonHandler {
  handle(event: IntegrationEvent<{ reason: string }>): void {
    throw new Error(`cannot handle: ${event.payload.reason}`);
  }
}

/** A second consumer of the poison event that always succeeds: it must not run again on retries. */
@IntegrationEventHandler(PoisonHappened)
export class PoisonBystander {
  runs = 0;
  handle(): void {
    this.runs++;
  }
}

@Public()
@Controller('v1/probe')
export class ProbeController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
  ) {}

  @Post('tenants/:tenant_id/notes')
  @HttpCode(201)
  @Idempotent()
  create(@Param('tenant_id', ParseUuidPipe) tenantId: string, @Body() body: CreateNoteDto) {
    return this.commands.execute(new CreateNote(tenantId, body.text));
  }

  @Get('tenants/:tenant_id/notes')
  list(@Param('tenant_id', ParseUuidPipe) tenantId: string, @Query() page: PageQueryDto) {
    return this.queries.execute(new ListNotes(tenantId, page));
  }

  @Get('tenants/:tenant_id/notes-of-request-tenant')
  listImplicit(@Query() page: PageQueryDto) {
    return this.queries.execute(new ListNotesOfRequestTenant(page));
  }

  @Post('echo')
  @HttpCode(200)
  echo(@Body() body: EchoDto) {
    return body;
  }

  @Get('slow')
  async slow(@Query('ms') ms = '300'): Promise<{ waited: number }> {
    const wait = Math.min(Number(ms) || 0, 5000);
    await new Promise((r) => setTimeout(r, wait));
    return { waited: wait };
  }

  @Get('boom')
  boom(): never {
    throw new Error('secret internal detail');
  }

  @Get('conflict')
  conflict(): never {
    throw new DomainError('conflict', 'PROBE.CONFLICT', 'Already there.', { extensions: { existing_id: 'x' } });
  }

  @Get('rate-limited')
  limited(): never {
    throw new DomainError('rate_limited', 'PROBE.SLOW_DOWN', 'Too many requests.', { headers: { 'Retry-After': '7' } });
  }
}

@Module({
  controllers: [ProbeController],
  providers: [
    CreateNoteHandler,
    ListNotesHandler,
    ListNotesOfRequestTenantHandler,
    NoteCreatedEffect,
    FlakyHandler,
    PoisonHandler,
    PoisonBystander,
    SlowHandler,
    { provide: PROBE_APP_LABEL, useFactory: () => process.env.PROBE_APP_LABEL ?? 'app' },
  ],
})
export class ProbeModule {}

export const probeFeature = { module: ProbeModule, entities: [NoteEntity] };
