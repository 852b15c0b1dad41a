import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Strategy } from 'passport';

/**
 * Runs this application's passport strategies. A strategy is invoked through passport's strategy
 * protocol — a per-request instance whose `success`/`fail`/`error` the strategy calls — which is
 * what `passport.authenticate` does, without its process-wide registry (two applications in one
 * process would take over each other's strategies) and without decorating every request with
 * session helpers this stateless API never uses.
 */
export abstract class AccountPassport {
  abstract authenticate<T>(strategy: 'local' | 'bearer', request: FastifyRequest, reply: FastifyReply, onNoUser: () => Error): Promise<T>;
}

interface StrategyActions {
  authenticate(request: unknown, options: object): void;
  success(user: unknown): void;
  fail(): void;
  error(err: unknown): void;
  pass(): void;
  redirect(): void;
}

export function createAccountPassport(strategies: Record<'local' | 'bearer', Strategy>): AccountPassport {
  return {
    authenticate: <T>(name: 'local' | 'bearer', request: FastifyRequest, _reply: FastifyReply, onNoUser: () => Error) =>
      new Promise<T>((resolve, reject) => {
        const run = Object.create(strategies[name]) as StrategyActions;
        run.success = (user) => (user ? resolve(user as T) : reject(onNoUser()));
        run.fail = () => reject(onNoUser());
        run.error = (err) => reject(err instanceof Error ? err : new Error(String(err)));
        run.pass = () => reject(onNoUser());
        run.redirect = () => reject(onNoUser());
        run.authenticate(request as never, {});
      }),
  };
}
