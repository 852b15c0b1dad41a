import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { ConfigValidationError, httpConfig, InternalListener } from '@user-engine/kernel';
import { createApp, CreateAppOptions } from './bootstrap';

function line(level: string, msg: string, extra: Record<string, unknown> = {}): void {
  process.stdout.write(`${JSON.stringify({ level, time: new Date().toISOString(), service: 'user-engine', msg, ...extra })}\n`);
}

/**
 * Starts the API and owns the process lifecycle: a bad configuration exits 1 with a message naming
 * the variable; SIGTERM/SIGINT stop accepting connections, let in-flight requests and the
 * dispatcher's batch finish, stop the embedded database, and exit 0.
 */
export async function serve(options: CreateAppOptions = {}): Promise<NestFastifyApplication> {
  const env = options.env ?? process.env;
  const started = process.hrtime.bigint();
  let app: NestFastifyApplication;
  try {
    app = await createApp(options);
  } catch (err) {
    if (err instanceof ConfigValidationError) {
      process.stderr.write(`${err.message}\nSee .env.example and the configuration table in README.md.\n`);
    } else {
      process.stderr.write(`User Engine failed to start: ${(err as Error).message}\n`);
    }
    process.exit(1);
  }
  const http = httpConfig.parse(env);
  let internalPort: number;
  try {
    await app.listen({ port: http.port, host: http.host });
  } catch (err) {
    process.stderr.write(`User Engine cannot listen on ${http.host}:${http.port}: ${(err as Error).message}\n`);
    await app.close().catch(() => undefined);
    process.exit(1);
  }
  try {
    internalPort = await app.get(InternalListener).listen(http.internalPort, http.internalHost);
  } catch (err) {
    process.stderr.write(
      `User Engine cannot listen on ${http.internalHost}:${http.internalPort} (INTERNAL_PORT): ${(err as Error).message}\n`,
    );
    await app.close().catch(() => undefined);
    process.exit(1);
  }
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : http.port;
  line('info', `User Engine listening on ${http.host}:${port} (internal API on ${http.internalHost}:${internalPort})`, {
    port,
    internal_port: internalPort,
    startup_ms: Math.round(Number(process.hrtime.bigint() - started) / 1e6),
  });

  let closing = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (closing) return;
    closing = true;
    line('info', `${signal} received: shutting down`);
    const force = setTimeout(() => {
      process.stderr.write(`graceful shutdown took longer than ${http.shutdownTimeout} ms; exiting\n`);
      process.exit(1);
    }, http.shutdownTimeout);
    force.unref();
    app
      .close()
      .then(() => {
        line('info', 'shut down cleanly');
        process.exit(0);
      })
      .catch((err: Error) => {
        process.stderr.write(`shutdown failed: ${err.message}\n`);
        process.exit(1);
      });
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
  return app;
}
