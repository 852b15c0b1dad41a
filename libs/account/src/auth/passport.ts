import type { FastifyReply, FastifyRequest } from 'fastify';
import passport from 'passport';

/**
 * This application's own passport instance. Passport's default export is a process-wide registry:
 * two applications in one process (tests, a CLI next to the API) would take over each other's
 * strategies. Each Nest application gets its own authenticator instead.
 */
export abstract class AccountPassport {
  abstract authenticate<T>(strategy: 'local' | 'bearer', request: FastifyRequest, reply: FastifyReply, onNoUser: () => Error): Promise<T>;
}

export function createAccountPassport(strategies: Record<'local' | 'bearer', passport.Strategy>): AccountPassport {
  const authenticator = new passport.Authenticator();
  for (const [name, strategy] of Object.entries(strategies)) authenticator.use(name, strategy);
  return {
    authenticate: <T>(strategy: string, request: FastifyRequest, reply: FastifyReply, onNoUser: () => Error) =>
      new Promise<T>((resolve, reject) => {
        const middleware = authenticator.authenticate(strategy, { session: false }, (err: unknown, user: T | false) => {
          if (err) reject(err instanceof Error ? err : new Error(String(err)));
          else if (!user) reject(onNoUser());
          else resolve(user);
        }) as (req: unknown, res: unknown, next: (err?: unknown) => void) => void;
        middleware(request, reply, (err) => reject(err instanceof Error ? err : onNoUser()));
      }),
  };
}
