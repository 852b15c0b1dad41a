import { ConfigType } from '@nestjs/config';
import { defineConfig } from './define-config';
import { env } from './env';

export const httpConfig = defineConfig('http', {
  host: env.string('HOST', { default: '0.0.0.0', description: 'Interface the HTTP listener binds to.' }),
  port: env.port('PORT', { default: 3000, description: 'Public HTTP port.' }),
  internalHost: env.string('INTERNAL_HOST', {
    default: '0.0.0.0',
    description: 'Interface the internal API listener binds to (keep it off the public network).',
  }),
  internalPort: env.port('INTERNAL_PORT', {
    default: 3001,
    description: 'Internal API port (/internal/v1, API keys only); health and metrics are served on both.',
  }),
  publicUrl: env.url('PUBLIC_URL', {
    default: 'http://localhost:3000',
    protocols: ['http', 'https'],
    description: 'External base URL of the API; the issuer of its tokens.',
  }),
  bodyLimit: env.bytes('HTTP_BODY_LIMIT', {
    default: 100 * 1024,
    description: 'Largest accepted request body; larger ones get 413.',
  }),
  trustProxy: env.string('TRUST_PROXY', {
    default: 'false',
    pattern: /^(true|false|\d+|[0-9a-fA-F:.,/\s]+)$/,
    patternText: 'false, true, a hop count, or comma-separated proxy addresses/CIDRs',
    description: 'Which proxies may set X-Forwarded-For; client IPs come from it only behind these.',
  }),
  shutdownTimeout: env.duration('SHUTDOWN_TIMEOUT', {
    default: 15_000,
    description: 'Longest graceful shutdown before the process exits anyway.',
  }),
});
export type HttpConfig = ConfigType<typeof httpConfig>;

/** Fastify's `trustProxy` option from the TRUST_PROXY string. */
export function parseTrustProxy(value: string): boolean | string[] | ((address: string, hop: number) => boolean) {
  const v = value.trim();
  if (v === 'false' || v === '') return false;
  if (v === 'true') return true;
  if (/^\d+$/.test(v)) {
    const hops = Number(v);
    return (_address, hop) => hop < hops;
  }
  return v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}
