import { DynamicModule, Global, Module } from '@nestjs/common';
import { APP_GUARD, DiscoveryModule } from '@nestjs/core';
import { InternalListener } from './http/internal-listener';
import { AccessGate, AccessGuard } from './auth/access-control';
import { PermissionCatalog } from './auth/permission-catalog';
import { AttributeCatalog } from './auth/attribute-catalog';
import { CqrsModule } from '@nestjs/cqrs';
import { ClsService, ClsServiceManager } from 'nestjs-cls';
import { AuditLog } from './audit/audit-log';
import { TransactionalBuses } from './cqrs/transactional-buses';
import { ConfigNamespace, configProviders } from './config/config.providers';
import { databaseConfig } from './config/database.config';
import type { ConfigSource } from './config/define-config';
import { httpConfig } from './config/http.config';
import { kernelConfig } from './config/kernel.config';
import { mailConfig } from './config/mail.config';
import { mailProviders } from './mail/mail.providers';
import { Mailer } from './mail/mailer';
import { RequestContext } from './context/request-context';
import { DatabaseModule, DatabaseModuleOptions } from './database/database.module';
import { HealthController } from './health/health.controller';
import { Housekeeping } from './housekeeping.service';
import { IdempotencyInterceptor } from './idempotency/idempotency.interceptor';
import { MetricsController } from './metrics/metrics.controller';
import { MetricsService } from './metrics/metrics.service';
import { OutboxAdmin } from './outbox/outbox-admin';
import { OutboxDispatcher } from './outbox/outbox-dispatcher';
import { OutboxPublisher } from './outbox/outbox.publisher';
import { NatsRelay } from './outbox/nats-relay';
import { PgNotifications } from './notifications/pg-notifications';
import { ChangeFeed } from './notifications/change-feed';
import { Clock } from './clock';

export const KERNEL_CONFIGS: readonly ConfigNamespace[] = [kernelConfig, httpConfig, databaseConfig, mailConfig];

export interface KernelModuleOptions extends DatabaseModuleOptions {
  /** Where settings come from (process.env in production). */
  env: ConfigSource;
  /** Further namespaces (the app's, each feature module's). */
  configs?: readonly ConfigNamespace[];
}

@Global()
@Module({})
export class KernelModule {
  static forRoot(options: KernelModuleOptions): DynamicModule {
    const configs = configProviders([...KERNEL_CONFIGS, ...(options.configs ?? [])], options.env);
    return {
      module: KernelModule,
      imports: [
        {
          module: KernelConfigModule,
          global: true,
          providers: configs,
          exports: configs.map((p) => (p as { provide: string | symbol }).provide),
        },
        DatabaseModule.forRoot({ entities: options.entities, migrations: options.migrations }),
        CqrsModule.forRoot(),
        DiscoveryModule,
      ],
      controllers: [HealthController, MetricsController],
      providers: [
        // nestjs-cls's process-wide ClsService, without ClsModule: its module always installs a
        // global guard and interceptor (no-ops unless mounted) that every request would pay for.
        // The request context is entered by a Fastify onRequest hook instead (installHttpHooks).
        { provide: ClsService, useValue: ClsServiceManager.getClsService() },
        RequestContext,
        OutboxPublisher,
        OutboxDispatcher,
        OutboxAdmin,
        NatsRelay,
        AuditLog,
        MetricsService,
        Housekeeping,
        TransactionalBuses,
        IdempotencyInterceptor,
        PgNotifications,
        AccessGate,
        PermissionCatalog,
        AttributeCatalog,
        ChangeFeed,
        Clock,
        InternalListener,
        { provide: APP_GUARD, useClass: AccessGuard },
        ...mailProviders,
      ],
      exports: [
        ClsService,
        InternalListener,
        Mailer,
        RequestContext,
        OutboxPublisher,
        OutboxDispatcher,
        OutboxAdmin,
        AuditLog,
        MetricsService,
        IdempotencyInterceptor,
        PgNotifications,
        AccessGate,
        PermissionCatalog,
        AttributeCatalog,
        ChangeFeed,
        Clock,
        CqrsModule,
      ],
    };
  }
}

@Module({})
class KernelConfigModule {}
