import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { IncomingMessage } from 'node:http';
import { CLS_ID, ClsService } from 'nestjs-cls';
import type { Logger as PinoLogger } from 'pino';
import { HttpConfig, parseTrustProxy } from '../config/http.config';
import { KernelErrors } from '../errors/domain-error';
import { isUuid, uuidv7 } from '../ids/uuid';
import { RequestContext, type RouteTenantConfig } from '../context/request-context';
import { redactUrl } from '../logging/logger';
import { MetricsService } from '../metrics/metrics.service';
import { refuseOtherSurface } from './internal-listener';

export const REQUEST_ID_HEADER = 'x-request-id';
const ACCEPTABLE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Accepts a caller's X-Request-Id when it is safe to log, otherwise generates one. */
export function requestIdFor(raw: IncomingMessage): string {
  const header = raw.headers[REQUEST_ID_HEADER];
  const given = Array.isArray(header) ? header[0] : header;
  return given && ACCEPTABLE_ID.test(given) ? given : uuidv7();
}

export function createFastifyAdapter(config: HttpConfig): FastifyAdapter {
  return new FastifyAdapter({
    logger: false,
    bodyLimit: config.bodyLimit,
    trustProxy: parseTrustProxy(config.trustProxy),
    genReqId: requestIdFor,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    routerOptions: { ignoreTrailingSlash: false, maxParamLength: 200 },
  });
}

/**
 * Fastify-level behaviour shared by every instance: request ids echoed back, one access-log line per
 * request, latency metrics, and problem+json for what fails before Nest sees the request (malformed
 * or oversized bodies, unsupported media types, unknown routes).
 */
export function installHttpHooks(
  app: NestFastifyApplication,
  deps: { config: HttpConfig; metrics: MetricsService; log: PinoLogger },
): void {
  const fastify = app.getHttpAdapter().getInstance() as FastifyInstance;
  const started = new WeakMap<FastifyRequest, bigint>();

  // Every request runs in its own AsyncLocalStorage context carrying its id; what it calls
  // (handlers, the unit of work, log lines) finds it there.
  const cls = app.get(ClsService);
  fastify.addHook('onRequest', (request, reply, done) => {
    started.set(request, process.hrtime.bigint());
    reply.header(REQUEST_ID_HEADER, request.id);
    cls.run(() => {
      cls.set(CLS_ID, request.id);
      done();
    });
  });
  // The public port never serves /internal/…; the internal port serves nothing else.
  fastify.addHook('onRequest', refuseOtherSurface);

  // While shutting down, responses still in flight close their keep-alive connection, so the
  // server can finish closing as soon as they are sent (idle ones are closed by Fastify).
  let closing = false;
  fastify.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  fastify.addHook('onSend', (_request, reply, payload, done) => {
    if (closing) reply.header('connection', 'close');
    done(null, payload);
  });

  fastify.addHook('onResponse', (request, reply, done) => {
    const start = started.get(request);
    const seconds = start ? Number(process.hrtime.bigint() - start) / 1e9 : 0;
    const route = request.routeOptions?.url ?? 'unmatched';
    deps.metrics.httpDuration.observe({ method: request.method, route, status: String(reply.statusCode) }, seconds);
    if (deps.log.isLevelEnabled('info')) {
      deps.log.info(
        {
          request_id: request.id,
          req: { method: request.method, url: redactUrl(request.url), ip: request.ip },
          res: { status: reply.statusCode },
          duration_ms: Math.round(seconds * 1e6) / 1e3,
        },
        'request completed',
      );
    }
    done();
  });

  // Tenant-scoped routes carry the tenant in the path (/v1/tenants/{tenant_id}/…): it becomes the
  // request's TenantContext before guards and handlers run, so their transactions are scoped to it.
  const context = app.get(RequestContext);
  fastify.addHook('preHandler', (request, _reply, done) => {
    let tenantId = (request.params as Record<string, string> | undefined)?.tenant_id;
    if (tenantId === undefined && (request.routeOptions.config as RouteTenantConfig | undefined)?.tenantFromQuery) {
      // A well-formed ?tenant_id= names the tenant; a malformed one is left to the route's query DTO.
      const fromQuery = (request.query as Record<string, unknown> | undefined)?.tenant_id;
      if (typeof fromQuery === 'string' && isUuid(fromQuery)) tenantId = fromQuery;
    }
    if (tenantId === undefined) return done();
    if (!isUuid(tenantId)) {
      return done(KernelErrors.validation([{ path: 'tenant_id', message: 'tenant_id must be a UUID', rule: 'isUuid' }]));
    }
    context.setTenant(tenantId.toLowerCase());
    done();
  });

  // Nest installs Fastify's error and not-found handlers; both route through the global
  // ProblemDetailsFilter, so parser errors and unknown routes become problem documents too.
  // Anything other than JSON (or no body) on a body-carrying route is refused with 415.
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: deps.config.bodyLimit }, (_req, body, done) => {
    if (body === '' || body === undefined) return done(null, undefined);
    // PostgreSQL text cannot hold NUL; JSON can only carry it escaped.
    if ((body as string).includes('\\u0000')) return done(KernelErrors.invalidCharacter(), undefined);
    let parsed: unknown;
    try {
      parsed = JSON.parse(body as string);
    } catch {
      return done(KernelErrors.malformedJson(), undefined);
    }
    // Nor can it hold a lone surrogate (an escaped half of a pair, e.g. "\ud800"): refuse it here, not as a 500 at the INSERT.
    if ((body as string).includes('\\u') && hasLoneSurrogate(parsed)) return done(KernelErrors.invalidCharacter(), undefined);
    done(null, parsed);
  });
  fastify.addContentTypeParser('*', (request, _payload, done) => {
    done(KernelErrors.unsupportedMediaType(request.headers['content-type']), undefined);
  });
}

const LONE_SURROGATE = /\p{Cs}/u;

/** Whether any string of a parsed JSON value (keys included) holds an unpaired UTF-16 surrogate. */
function hasLoneSurrogate(value: unknown): boolean {
  if (typeof value === 'string') return LONE_SURROGATE.test(value);
  if (Array.isArray(value)) return value.some(hasLoneSurrogate);
  if (value && typeof value === 'object') return Object.entries(value).some(([k, v]) => LONE_SURROGATE.test(k) || hasLoneSurrogate(v));
  return false;
}
