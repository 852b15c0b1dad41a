import type { ConfigType } from '@nestjs/config';
import { defineConfig, env } from '@user-engine/kernel';

export const accessConfig = defineConfig('access', {
  cacheSize: env.int('ACCESS_CACHE_SIZE', {
    default: 50_000,
    min: 0,
    description: 'Memberships whose authorization facts this process keeps in memory (0 turns the cache off).',
  }),
  cacheTtl: env.duration('ACCESS_CACHE_TTL', {
    default: 300_000,
    description: 'Longest a cached authorization fact is trusted; changes invalidate it at once anyway (LISTEN/NOTIFY).',
  }),
  apiKeyEnvironment: env.string('ACCESS_API_KEY_ENV', {
    default: 'live',
    pattern: /^[a-z0-9]{1,16}$/,
    patternText: '1–16 lower-case letters or digits',
    description: 'The `<env>` in new API keys (`ue_<env>_…`), so a leaked key shows where it works.',
  }),
  apiKeyFailureLimit: env.int('ACCESS_API_KEY_FAILURE_LIMIT', {
    default: 20,
    min: 1,
    description: 'Failed API-key uses one client address may make per window before it gets 429.',
  }),
  apiKeyFailureWindow: env.duration('ACCESS_API_KEY_FAILURE_WINDOW', {
    default: 60_000,
    description: 'The window of ACCESS_API_KEY_FAILURE_LIMIT.',
  }),
});

export type AccessConfig = ConfigType<typeof accessConfig>;
