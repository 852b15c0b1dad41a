import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import {
  buildOpenApiDocuments,
  ConfigSource,
  createFastifyAdapter,
  createRootLogger,
  createValidationPipe,
  httpConfig,
  installHttpHooks,
  kernelConfig,
  MetricsService,
  OutboxDispatcher,
  PinoNestLogger,
  ProblemDetailsFilter,
  setupOpenApi,
  validateAllConfig,
} from '@user-engine/kernel';
import type { DestinationStream } from 'pino';
import { appConfig, resolveModules } from './app.config';
import { AppModule } from './app.module';
import { FEATURE_MODULES, FeatureModule } from './feature-modules';

export const API_INFO = {
  title: 'User Engine',
  version: '1',
  description: 'Multi-tenant user management: accounts, tenants, access, profiles and subscriptions.',
};

export interface CreateAppOptions {
  env?: ConfigSource;
  /** The modules MODULES chooses from (default: the build's FEATURE_MODULES). */
  registry?: Readonly<Record<string, FeatureModule>>;
  /** Log destination (tests capture lines here); stdout by default. */
  logDestination?: DestinationStream;
}

/**
 * Builds the fully configured application (pipes, filters, hooks, OpenAPI) without listening.
 * main.ts, the end-to-end tests and the benchmark all start the API through this one function.
 */
export async function createApp(options: CreateAppOptions = {}): Promise<NestFastifyApplication> {
  const env = options.env ?? process.env;
  validateAllConfig(env); // every namespace, all problems at once
  resolveModules(appConfig.parse(env).modules, options.registry ?? FEATURE_MODULES);
  const http = httpConfig.parse(env);
  const kernel = kernelConfig.parse(env);
  const log = createRootLogger(kernel.logLevel, options.logDestination);

  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot({ env, registry: options.registry }),
    createFastifyAdapter(http),
    {
      logger: new PinoNestLogger(log),
      bodyParser: false,
      abortOnError: false,
    },
  );
  installHttpHooks(app, { config: http, metrics: app.get(MetricsService), log });
  app.useGlobalPipes(createValidationPipe());
  app.useGlobalFilters(new ProblemDetailsFilter(http.bodyLimit));
  setupOpenApi(app, buildOpenApiDocuments(app, API_INFO));
  await app.init();
  // Only now: every module's bootstrap hook has run, the command handlers reactions call included.
  app.get(OutboxDispatcher).startIfEnabled();
  return app;
}
