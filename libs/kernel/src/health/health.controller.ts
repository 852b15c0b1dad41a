import { Public } from '../auth/principal';
import { Controller, Get, HttpCode, Inject, Logger, Res } from '@nestjs/common';
import { ApiOkResponse, ApiProperty, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { DataSource } from 'typeorm';
import { DATABASE_OPTIONS, type DatabaseModuleOptions } from '../database/database.module';
import { appliedMigrations, migrationNames } from '../database/migrator';
import { NatsRelay } from '../outbox/nats-relay';
import { OutboxDispatcher } from '../outbox/outbox-dispatcher';

class CheckDto {
  /** `degraded` reports a problem that does not make the instance unready (events wait in the outbox). */
  @ApiProperty({ enum: ['ok', 'fail', 'degraded', 'disabled'] }) status!: 'ok' | 'fail' | 'degraded' | 'disabled';
  @ApiProperty({ required: false }) detail?: string;
}

class ReadinessDto {
  @ApiProperty({ enum: ['ok', 'fail'] }) status!: 'ok' | 'fail';
  @ApiProperty({ type: 'object', additionalProperties: { $ref: '#/components/schemas/CheckDto' } })
  checks!: Record<string, CheckDto>;
}

class LivenessDto {
  @ApiProperty({ enum: ['ok'] }) status!: 'ok';
}

@ApiTags('operations')
@Public()
@Controller('health')
export class HealthController {
  private readonly expected: string[];
  private readonly logger = new Logger('Health');

  constructor(
    private readonly dataSource: DataSource,
    private readonly dispatcher: OutboxDispatcher,
    private readonly relay: NatsRelay,
    @Inject(DATABASE_OPTIONS) options: DatabaseModuleOptions,
  ) {
    this.expected = migrationNames(options.migrations);
  }

  @Get('live')
  @HttpCode(200)
  @ApiOkResponse({ type: LivenessDto, description: 'The process is up.' })
  live(): LivenessDto {
    return { status: 'ok' };
  }

  @Get('ready')
  @ApiOkResponse({ type: ReadinessDto, description: 'Database reachable, migrations current, dispatcher running.' })
  @ApiServiceUnavailableResponse({ type: ReadinessDto })
  async ready(@Res({ passthrough: true }) reply: FastifyReply): Promise<ReadinessDto> {
    const checks: Record<string, CheckDto> = {};
    try {
      const applied = new Set(await appliedMigrations(this.dataSource));
      checks.database = { status: 'ok' };
      const pending = this.expected.filter((m) => !applied.has(m));
      checks.migrations = pending.length ? { status: 'fail', detail: `pending: ${pending.join(', ')}` } : { status: 'ok' };
    } catch (err) {
      // The cause goes to the log; anonymous callers only learn that the database is unreachable.
      this.logger.error(`readiness: database check failed: ${(err as Error).message}`);
      checks.database = { status: 'fail', detail: 'unreachable' };
      checks.migrations = { status: 'fail', detail: 'database unreachable' };
    }
    checks.dispatcher = !this.dispatcher.enabled
      ? { status: 'disabled' }
      : this.dispatcher.isRunning
        ? { status: 'ok' }
        : { status: 'fail', detail: 'not running' };
    if (this.relay.enabled) {
      checks.nats = this.relay.connected ? { status: 'ok' } : { status: 'degraded', detail: 'not connected; events wait in the outbox' };
    }
    const ok = Object.values(checks).every((c) => c.status !== 'fail');
    reply.status(ok ? 200 : 503).header('Cache-Control', 'no-store');
    return { status: ok ? 'ok' : 'fail', checks };
  }
}
