import 'reflect-metadata';
import { writeFileSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { NestFactory } from '@nestjs/core';
import { ConsoleLogger, type INestApplicationContext } from '@nestjs/common';
import {
  AuditLog,
  buildOpenApiDocuments,
  ConfigValidationError,
  databaseConfig,
  EmbeddedPostgres,
  Migrator,
  OutboxAdmin,
  checkReachable,
  DevMailbox,
  Mailer,
} from '@user-engine/kernel';
import { MIGRATIONS } from '@user-engine/migrations';
import { QueryBus, CommandBus } from '@nestjs/cqrs';
import { FindUserByEmail, SigningKeys, type UserView } from '@user-engine/account';
import { GrantPlatformRole, OperatorsExist } from '@user-engine/access';
import { AppModule } from '../../api/src/app.module';
import { API_INFO, createApp } from '../../api/src/bootstrap';
import { renderConfigTable, renderEnvExample, replaceBetweenMarkers } from './config-docs';

const USAGE = `user-engine <command>

  migrate up | down | status     apply, revert the last, or list migrations (under an advisory lock)
  audit verify [--tenant <id>]   verify a tenant's audit hash chain (the platform chain without --tenant)
  outbox dead-letters            list dead-lettered events
  outbox replay <id…> | --all    put dead-lettered events back in the queue
  outbox skip <id…>              give up on dead-lettered events (lets later events of their aggregates go)
  bootstrap-admin --email <e>    make this (verified, active) user the first platform operator
  keys rotate                    replace the token-signing key now (the old one stays published while its tokens live)
  keys list                      the published signing keys
  mailbox [--to <email>] [--limit <n>]   the development mailbox (when no SMTP_URL is set), newest first
  openapi write | check          write openapi.json and openapi.internal.json from the code, or fail when they differ
  config docs [--write]          print (or write into README.md and .env.example) the configuration table

The database is DATABASE_URL, or the embedded PostgreSQL when it is unset (as for the API).`;

const ROOT = process.cwd();

async function withDatabaseUrl<T>(work: (url: string) => Promise<T>): Promise<T> {
  const config = databaseConfig.parse(process.env);
  if (config.url) {
    await checkReachable(config.url, 'DATABASE_URL');
    return work(config.url);
  }
  const embedded = await EmbeddedPostgres.start({ dir: config.embeddedDir, port: config.embeddedPort });
  try {
    return await work(embedded.url);
  } finally {
    // A server another live process (the API) owns is left running.
    await embedded.release();
  }
}

/** The application's providers without HTTP or background workers, for operator commands. */
async function withAppContext<T>(work: (ctx: INestApplicationContext) => Promise<T>): Promise<T> {
  // Operator commands neither dispatch events nor create or rotate keys as a side effect.
  const env = { ...process.env, OUTBOX_DISPATCHER_ENABLED: 'false', ACCOUNT_KEY_ROTATION_ENABLED: 'false' };
  // Warnings go to stderr: stdout carries the command's output (JSON for `audit verify`).
  const logger = new ConsoleLogger('cli', { logLevels: ['error', 'warn'] });
  logger.warn = (message: unknown, context?: string) => logger.error(message, undefined, context);
  const ctx = await NestFactory.createApplicationContext(AppModule.forRoot({ env }), { logger });
  try {
    return await work(ctx);
  } finally {
    await ctx.close();
  }
}

function openApiText(doc: unknown): string {
  return `${JSON.stringify(doc, null, 2)}\n`;
}

export async function run(argv: string[]): Promise<number> {
  const [command, sub, ...rest] = argv;
  switch (`${command ?? ''} ${sub ?? ''}`.trim()) {
    case 'migrate up':
      return withDatabaseUrl(async (url) => {
        const applied = await new Migrator(url, MIGRATIONS).up();
        console.log(applied.length ? `applied: ${applied.join(', ')}` : 'up to date');
        return 0;
      });
    case 'migrate down':
      return withDatabaseUrl(async (url) => {
        const reverted = await new Migrator(url, MIGRATIONS).down();
        console.log(reverted ? `reverted: ${reverted}` : 'nothing to revert');
        return 0;
      });
    case 'migrate status':
      return withDatabaseUrl(async (url) => {
        for (const m of await new Migrator(url, MIGRATIONS).status()) console.log(`${m.applied ? 'applied' : 'pending'}  ${m.name}`);
        return 0;
      });
    case 'audit verify': {
      const i = rest.indexOf('--tenant');
      const tenant = i >= 0 ? rest[i + 1] : null;
      return withAppContext(async (ctx) => {
        const audit = ctx.get(AuditLog);
        await audit.sealPending();
        const result = await audit.verify(tenant ?? null);
        console.log(JSON.stringify(result, null, 2));
        return result.intact ? 0 : 3;
      });
    }
    case 'outbox dead-letters':
      return withAppContext(async (ctx) => {
        console.log(JSON.stringify(await ctx.get(OutboxAdmin).deadLetters(), null, 2));
        return 0;
      });
    case 'outbox replay': {
      if (!rest.length) throw new UsageError('outbox replay needs event ids or --all');
      return withAppContext(async (ctx) => {
        const n = await ctx.get(OutboxAdmin).replay(rest.includes('--all') ? 'all' : rest);
        console.log(`replayed ${n} event(s)`);
        return 0;
      });
    }
    case 'outbox skip': {
      if (!rest.length) throw new UsageError('outbox skip needs event ids');
      return withAppContext(async (ctx) => {
        console.log(`skipped ${await ctx.get(OutboxAdmin).skip(rest)} event(s)`);
        return 0;
      });
    }
    case 'bootstrap-admin --email': {
      const email = rest[0];
      if (!email) throw new UsageError('bootstrap-admin needs --email <address>');
      return withAppContext(async (ctx) => {
        const user = await ctx.get(QueryBus).execute<FindUserByEmail, UserView | undefined>(new FindUserByEmail(email));
        if (!user || user.status !== 'active') {
          console.error(`no active, verified account for ${email}: sign up and verify the address first`);
          return 1;
        }
        try {
          await ctx.get(CommandBus).execute(new GrantPlatformRole(user.id, null, null, true));
        } catch (err) {
          if (!(err instanceof OperatorsExist)) throw err;
          console.error(err.message);
          return 1;
        }
        console.log(`${email} (${user.id}) is now a platform operator`);
        return 0;
      });
    }
    case 'keys rotate':
      return withAppContext(async (ctx) => {
        const kid = await ctx.get(SigningKeys).rotate();
        console.log(`new signing key ${kid}; the previous one stays published until its tokens have expired`);
        return 0;
      });
    case 'keys list':
      return withAppContext(async (ctx) => {
        for (const k of ctx.get(SigningKeys).published()) {
          const state = k.retiredAt === null ? 'current' : `retired ${new Date(k.retiredAt).toISOString()}`;
          console.log(`${k.kid}  ${k.alg}  created ${new Date(k.createdAt).toISOString()}  ${state}`);
        }
        return 0;
      });
    case 'mailbox':
    case `mailbox ${sub}`: {
      const args = [sub, ...rest].filter((a): a is string => a !== undefined);
      const at = (flag: string) => (args.indexOf(flag) >= 0 ? args[args.indexOf(flag) + 1] : undefined);
      return withAppContext(async (ctx) => {
        const mailer = ctx.get(Mailer);
        if (!(mailer instanceof DevMailbox))
          throw new UsageError('SMTP_URL is set: mail goes to the SMTP server, not the development mailbox');
        for (const m of await mailer.list({ to: at('--to'), limit: Number(at('--limit') ?? 20) })) {
          console.log(`--- ${new Date(m.created_at).toISOString()}  ${m.kind}  to ${m.to}\nSubject: ${m.subject}\n\n${m.text}\n`);
        }
        return 0;
      });
    }
    case 'openapi write':
    case 'openapi check': {
      const app = await createApp({ env: { ...process.env, OUTBOX_DISPATCHER_ENABLED: 'false', LOG_LEVEL: 'warn' } });
      try {
        const documents = buildOpenApiDocuments(app, API_INFO);
        let same = true;
        for (const [name, doc] of [
          ['openapi.json', documents.public],
          ['openapi.internal.json', documents.internal],
        ] as const) {
          const text = openApiText(doc);
          const file = join(ROOT, name);
          if (sub === 'write') {
            writeFileSync(file, text);
            console.log(`wrote ${file}`);
            continue;
          }
          const current = existsSync(file) && readFileSync(file, 'utf8') === text;
          console.log(current ? `${name} is current` : `${name} differs from the code: run \`npm run openapi\``);
          same &&= current;
        }
        return same ? 0 : 4;
      } finally {
        await app.close();
      }
    }
    case 'config docs': {
      const table = renderConfigTable();
      if (!rest.includes('--write') && sub === 'docs') {
        console.log(table);
        return 0;
      }
      const readme = join(ROOT, 'README.md');
      writeFileSync(readme, replaceBetweenMarkers(readFileSync(readme, 'utf8'), table));
      writeFileSync(join(ROOT, '.env.example'), renderEnvExample());
      console.log('updated README.md and .env.example');
      return 0;
    }
    default:
      throw new UsageError(command ? `unknown command: ${argv.join(' ')}` : 'no command given');
  }
}

class UsageError extends Error {}

if (require.main === module) {
  if (existsSync('.env')) process.loadEnvFile('.env');
  run(process.argv.slice(2))
    .then((code) => process.exit(code))
    .catch((err: Error) => {
      if (err instanceof UsageError) process.stderr.write(`${err.message}\n\n${USAGE}\n`);
      else if (err instanceof ConfigValidationError) process.stderr.write(`${err.message}\n`);
      else process.stderr.write(`error: ${err.message}\n`);
      process.exit(err instanceof UsageError ? 2 : 1);
    });
}
