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
});

export type AccessConfig = ConfigType<typeof accessConfig>;
