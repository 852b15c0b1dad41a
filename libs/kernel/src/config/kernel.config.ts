import { ConfigType } from '@nestjs/config';
import { defineConfig } from './define-config';
import { env } from './env';

export const kernelConfig = defineConfig('kernel', {
  nodeEnv: env.oneOf('NODE_ENV', ['development', 'production', 'test'] as const, {
    default: 'development',
    description: 'Runtime environment; `production` refuses development-only conveniences (the dev mailbox).',
  }),
  logLevel: env.oneOf('LOG_LEVEL', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const, {
    default: 'info',
    description: 'Minimum level of the structured JSON logs.',
  }),
  outboxDispatcherEnabled: env.bool('OUTBOX_DISPATCHER_ENABLED', {
    default: true,
    description: 'Run the outbox dispatcher in this process (several processes may run it on one database).',
  }),
  outboxPollInterval: env.duration('OUTBOX_POLL_INTERVAL', {
    default: 1000,
    description: 'Polling fallback of the dispatcher when no LISTEN/NOTIFY wake-up arrives.',
  }),
  outboxBatchSize: env.int('OUTBOX_BATCH_SIZE', {
    default: 50,
    min: 1,
    max: 1000,
    description: 'Events the dispatcher claims per round.',
  }),
  outboxLease: env.duration('OUTBOX_LEASE', {
    default: 30_000,
    description: 'How long a claimed event stays reserved for its dispatcher before another may take it over.',
  }),
  outboxMaxAttempts: env.int('OUTBOX_MAX_ATTEMPTS', {
    default: 10,
    min: 1,
    max: 100,
    description: 'Delivery attempts before an event is dead-lettered.',
  }),
  outboxRetryBase: env.duration('OUTBOX_RETRY_BASE', {
    default: 1000,
    description: 'First retry delay; doubles per attempt (with jitter).',
  }),
  outboxRetryMax: env.duration('OUTBOX_RETRY_MAX', {
    default: 300_000,
    description: 'Upper bound of the retry delay.',
  }),
  outboxSubscriberTtl: env.duration('OUTBOX_SUBSCRIBER_TTL', {
    default: 300_000,
    description: 'A handler announced by an instance that has not been seen for this long no longer holds events back.',
  }),
  auditSealInterval: env.duration('AUDIT_SEAL_INTERVAL', {
    default: 1000,
    description: 'How often pending audit entries are sealed into their hash chain.',
  }),
  natsUrl: env.optionalUrl('NATS_URL', {
    protocols: ['nats', 'tls'],
    secret: true,
    description: 'NATS server; when set, every outbox event is also published to JetStream (event id = message id).',
  }),
  natsStream: env.string('NATS_STREAM', {
    default: 'USER_ENGINE_EVENTS',
    pattern: /^[A-Za-z0-9_-]{1,64}$/,
    patternText: 'a stream name (letters, digits, _ and -)',
    description: 'JetStream stream for the events (created when missing).',
  }),
  natsSubjectPrefix: env.string('NATS_SUBJECT_PREFIX', {
    default: 'user-engine.events',
    pattern: /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/,
    patternText: 'dot-separated subject tokens',
    description: 'Events are published on `<prefix>.<event type>`, e.g. user-engine.events.user.created.',
  }),
  idempotencyTtl: env.duration('IDEMPOTENCY_TTL', {
    default: 86_400_000,
    description: 'How long a stored `Idempotency-Key` response is replayed.',
  }),
});
export type KernelConfig = ConfigType<typeof kernelConfig>;
