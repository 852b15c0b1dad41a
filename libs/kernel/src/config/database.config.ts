import { ConfigType } from '@nestjs/config';
import { defineConfig } from './define-config';
import { env } from './env';

export const databaseConfig = defineConfig('database', {
  url: env.optionalUrl('DATABASE_URL', {
    protocols: ['postgres', 'postgresql'],
    secret: true,
    description: 'PostgreSQL server to use. Unset: an embedded PostgreSQL is started under DATABASE_EMBEDDED_DIR.',
  }),
  embeddedDir: env.string('DATABASE_EMBEDDED_DIR', {
    default: './.data/postgres',
    description: 'Data directory of the embedded PostgreSQL (kept between starts).',
  }),
  embeddedPort: env.port('DATABASE_EMBEDDED_PORT', {
    default: 54329,
    description: 'Port of the embedded PostgreSQL (loopback only).',
  }),
  poolSize: env.int('DATABASE_POOL_SIZE', { default: 10, min: 1, max: 500, description: 'Connections per process.' }),
  migrateOnStart: env.bool('DATABASE_MIGRATE_ON_START', {
    default: true,
    description: 'Apply pending migrations at start (under an advisory lock).',
  }),
  statementTimeout: env.duration('DATABASE_STATEMENT_TIMEOUT', {
    default: 15_000,
    description: 'Server-side statement timeout of the application connections.',
  }),
});
export type DatabaseConfig = ConfigType<typeof databaseConfig>;
