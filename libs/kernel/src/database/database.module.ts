import { DynamicModule, Global, Inject, Injectable, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import { DataSource, EntitySchema, MixedList } from 'typeorm';
import { databaseConfig, type DatabaseConfig } from '../config/database.config';
import { resolveDatabase, type ResolvedDatabase } from './connection';
import { APP_ROLE } from './database-roles';
import { MigrationClass, Migrator } from './migrator';
import { UnitOfWork } from './unit-of-work';

export interface DatabaseModuleOptions {
  entities: MixedList<Function | string | EntitySchema>;
  migrations: readonly MigrationClass[];
}

export const DATABASE_OPTIONS = Symbol('DATABASE_OPTIONS');
export const RESOLVED_DATABASE = Symbol('RESOLVED_DATABASE');

/** Creates the application's DataSource: every session runs as the non-owner application role. */
export function createAppDataSource(url: string, config: DatabaseConfig, entities: DatabaseModuleOptions['entities']): DataSource {
  return new DataSource({
    type: 'postgres',
    url,
    entities,
    synchronize: false,
    migrationsRun: false,
    logging: false,
    extra: {
      max: config.poolSize,
      application_name: 'user-engine',
      // Startup parameters: the session's role, and a server-side statement timeout.
      // A transaction left idle (a bug holding a connection) is ended by the server after a minute.
      options: `-c role=${APP_ROLE} -c statement_timeout=${config.statementTimeout} -c idle_in_transaction_session_timeout=60000`,
      // An exhausted pool fails a request after 10 s instead of hanging it forever.
      connectionTimeoutMillis: 10_000,
    },
  });
}

@Injectable()
class DatabaseLifecycle implements OnApplicationShutdown {
  private readonly logger = new Logger('Database');
  constructor(
    private readonly dataSource: DataSource,
    @Inject(RESOLVED_DATABASE) private readonly resolved: ResolvedDatabase,
  ) {}

  // Runs after the HTTP server has drained and background workers stopped (Nest's shutdown order).
  async onApplicationShutdown(): Promise<void> {
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
    if (this.resolved.embedded?.owned) {
      this.logger.log('stopping embedded PostgreSQL');
      await this.resolved.embedded.stop();
    }
  }
}

@Global()
@Module({})
export class DatabaseModule {
  static forRoot(options: DatabaseModuleOptions): DynamicModule {
    return {
      module: DatabaseModule,
      providers: [
        { provide: DATABASE_OPTIONS, useValue: options },
        {
          provide: RESOLVED_DATABASE,
          inject: [databaseConfig.KEY],
          useFactory: async (config: DatabaseConfig): Promise<ResolvedDatabase> => {
            const logger = new Logger('Database');
            const resolved = await resolveDatabase(config, (m) => logger.log(m));
            if (config.migrateOnStart) {
              const applied = await new Migrator(resolved.url, options.migrations).up();
              if (applied.length) logger.log(`applied migrations: ${applied.join(', ')}`);
            }
            return resolved;
          },
        },
        {
          provide: DataSource,
          inject: [RESOLVED_DATABASE, databaseConfig.KEY],
          useFactory: (resolved: ResolvedDatabase, config: DatabaseConfig) =>
            createAppDataSource(resolved.url, config, options.entities).initialize(),
        },
        DatabaseLifecycle,
        UnitOfWork,
      ],
      exports: [DataSource, UnitOfWork, RESOLVED_DATABASE, DATABASE_OPTIONS],
    };
  }
}
