import 'reflect-metadata';
import { ConfigValidationError, httpConfig } from '@user-engine/kernel';
import { existsSync } from 'node:fs';
import { createApp } from './bootstrap';

/** Starts the API: .env (if present), validated config, embedded or external PostgreSQL, HTTP. */
async function main(): Promise<void> {
  if (existsSync('.env')) process.loadEnvFile('.env');
  const started = process.hrtime.bigint();
  let app: Awaited<ReturnType<typeof createApp>>;
  try {
    app = await createApp();
  } catch (err) {
    if (err instanceof ConfigValidationError) {
      process.stderr.write(`${err.message}\nSee .env.example and the configuration table in README.md.\n`);
    } else {
      process.stderr.write(`User Engine failed to start: ${(err as Error).message}\n`);
    }
    process.exit(1);
  }
  const http = httpConfig.parse(process.env);
  await app.listen({ port: http.port, host: http.host });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  app.getHttpAdapter().getInstance().log.info?.(`listening`);
  process.stdout.write(
    `${JSON.stringify({ level: 'info', time: new Date().toISOString(), msg: `User Engine listening on ${http.host}:${http.port}`, startup_ms: Math.round(ms) })}\n`,
  );

  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    process.stdout.write(`${JSON.stringify({ level: 'info', time: new Date().toISOString(), msg: `${signal}: shutting down` })}\n`);
    const force = setTimeout(() => {
      process.stderr.write('graceful shutdown timed out\n');
      process.exit(1);
    }, http.shutdownTimeout);
    force.unref();
    app
      .close()
      .then(() => process.exit(0))
      .catch((err: Error) => {
        process.stderr.write(`shutdown failed: ${err.message}\n`);
        process.exit(1);
      });
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

void main();
