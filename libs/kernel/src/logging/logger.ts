import { LoggerService } from '@nestjs/common';
import { ClsServiceManager } from 'nestjs-cls';
import pino, { Logger as PinoLogger } from 'pino';

/** Keys whose values never reach a log line, wherever they appear (two levels deep for bodies). */
const SECRET_KEYS = [
  'password',
  'new_password',
  'current_password',
  'token',
  'access_token',
  'refresh_token',
  'id_token',
  'secret',
  'client_secret',
  'api_key',
  'apiKey',
  'authorization',
  'cookie',
  'set-cookie',
  'x-api-key',
  'private_key',
  'totp',
  'totp_code',
  'recovery_code',
  'authorization_code',
];

export const REDACT_PATHS = [
  ...SECRET_KEYS.map((k) => `["${k}"]`),
  ...SECRET_KEYS.map((k) => `*["${k}"]`),
  ...SECRET_KEYS.map((k) => `*.*["${k}"]`),
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'res.headers["set-cookie"]',
];

const SECRET_QUERY = /([?&](?:token|code|password|secret|api_key|access_token|refresh_token)=)[^&#]*/gi;

/** Query strings can carry tokens (links in mails): mask their values before logging a URL. */
export function redactUrl(url: string): string {
  return url.replace(SECRET_QUERY, '$1[REDACTED]');
}

export function requestIdFromContext(): string | undefined {
  try {
    const cls = ClsServiceManager.getClsService();
    return cls.isActive() ? (cls.getId() as string | undefined) : undefined;
  } catch {
    return undefined;
  }
}

export function createRootLogger(level: string, destination?: pino.DestinationStream): PinoLogger {
  return pino(
    {
      level,
      base: { service: 'user-engine' },
      messageKey: 'msg',
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: REDACT_PATHS, censor: '[REDACTED]' },
      // Every line written inside a request (or job) carries its id.
      mixin: () => {
        const requestId = requestIdFromContext();
        return requestId ? { request_id: requestId } : {};
      },
    },
    destination,
  );
}

/** Nest's logger interface on top of pino, so framework and module logs share one JSON stream. */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly root: PinoLogger) {}

  private write(level: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace', message: unknown, params: unknown[]): void {
    const context = typeof params[params.length - 1] === 'string' ? (params.pop() as string) : undefined;
    const logger = context ? this.root.child({ context }) : this.root;
    if (message instanceof Error) {
      logger[level]({ err: message }, message.message);
    } else if (typeof message === 'object' && message !== null) {
      logger[level](message as object);
    } else {
      const stack = level === 'error' && typeof params[0] === 'string' ? params[0] : undefined;
      logger[level](stack ? { stack } : {}, String(message));
    }
  }

  log(message: unknown, ...params: unknown[]): void {
    this.write('info', message, params);
  }
  error(message: unknown, ...params: unknown[]): void {
    this.write('error', message, params);
  }
  warn(message: unknown, ...params: unknown[]): void {
    this.write('warn', message, params);
  }
  debug(message: unknown, ...params: unknown[]): void {
    this.write('debug', message, params);
  }
  verbose(message: unknown, ...params: unknown[]): void {
    this.write('trace', message, params);
  }
  fatal(message: unknown, ...params: unknown[]): void {
    this.write('fatal', message, params);
  }
}
