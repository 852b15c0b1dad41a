import { BeforeApplicationShutdown, Injectable } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Internal routes live under this prefix and are served only by the internal listener. */
export const INTERNAL_PREFIX = '/internal/';
/** What both listeners serve: probes and metrics are scraped on whichever port the platform reaches. */
const SHARED_PATHS = new Set(['/health/live', '/health/ready', '/metrics']);
const VIA_INTERNAL = Symbol.for('user-engine.internal-listener');

type Tagged = IncomingMessage & { [VIA_INTERNAL]?: true };

export function arrivedOnInternalPort(raw: IncomingMessage): boolean {
  return (raw as Tagged)[VIA_INTERNAL] === true;
}

/**
 * Which surface a request may reach: the public port never serves `/internal/…`, the internal port
 * serves nothing else (but health and metrics). Anything else is an unknown route (404), so neither
 * port reveals the other's routes.
 */
export function belongsToListener(request: FastifyRequest): boolean {
  // The matched route's pattern, not the raw URL: the router decodes percent-escapes, so
  // `/%69nternal/…` reaches an internal route while its raw text does not start with /internal/.
  const path = request.routeOptions?.url ?? request.url.split('?', 1)[0];
  if (SHARED_PATHS.has(path)) return true;
  return arrivedOnInternalPort(request.raw) === path.startsWith(INTERNAL_PREFIX);
}

export function refuseOtherSurface(request: FastifyRequest, reply: FastifyReply, done: () => void): void {
  // An unknown route is already on its way to the not-found handler (which runs this hook too).
  if (request.is404 || belongsToListener(request)) done();
  else reply.callNotFound();
}

/**
 * The internal API's listener (INTERNAL_PORT): a second HTTP server in the same process that hands
 * its requests to the same Fastify router, marked as internal. One application, one set of modules
 * and caches; two network surfaces that a deployment exposes separately.
 */
@Injectable()
export class InternalListener implements BeforeApplicationShutdown {
  private server?: Server;

  constructor(private readonly adapter: HttpAdapterHost) {}

  /** Starts listening; resolves with the bound port (useful with port 0). */
  async listen(port: number, host: string): Promise<number> {
    if (this.server) throw new Error('The internal listener is already started');
    const fastify = this.adapter.httpAdapter.getInstance<FastifyInstance>();
    await fastify.ready();
    const server = createServer((req, res) => {
      (req as Tagged)[VIA_INTERNAL] = true;
      fastify.routing(req, res);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    return (server.address() as AddressInfo).port;
  }

  get port(): number | undefined {
    const address = this.server?.address();
    return address && typeof address === 'object' ? address.port : undefined;
  }

  /** Stops accepting, closes idle keep-alive connections, and waits for in-flight requests. */
  async beforeApplicationShutdown(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    await closed;
  }
}
