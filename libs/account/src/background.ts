import { BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';

/**
 * Work a response must not wait for — mail delivery, and the account lookups of routes whose answer
 * must not reveal by its timing whether an account exists. Shutdown waits for what is in flight.
 */
@Injectable()
export class Background implements BeforeApplicationShutdown {
  private readonly logger = new Logger('Background');
  private readonly pending = new Set<Promise<void>>();

  run(label: string, work: () => Promise<unknown>): void {
    const p: Promise<void> = Promise.resolve()
      .then(work)
      .then(
        () => undefined,
        (err: Error) => this.logger.error({ msg: `${label} failed`, error: err.message }),
      )
      .finally(() => this.pending.delete(p));
    this.pending.add(p);
  }

  /** Resolves when everything started so far has finished (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.pending.size) await Promise.allSettled([...this.pending]);
  }

  beforeApplicationShutdown(): Promise<void> {
    return this.idle();
  }
}
