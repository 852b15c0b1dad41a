import type { Logger } from '@nestjs/common';

/**
 * Background work on a timer: one run at a time (a tick that finds the previous run still going
 * is skipped), failures logged rather than thrown, and `stop()` waits for the run in progress —
 * what housekeeping sweeps and rotation checks all need.
 */
export class PeriodicJob {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  constructor(
    private readonly label: string,
    private readonly everyMs: number,
    private readonly work: () => Promise<unknown>,
    private readonly logger: Pick<Logger, 'warn'>,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.runNow(), this.everyMs);
    this.timer.unref();
  }

  /** Runs now unless a run is in progress (then waits for that one). */
  runNow(): Promise<void> {
    this.running ??= this.work()
      .then(
        () => undefined,
        (err: Error) => this.logger.warn(`${this.label} failed: ${err.message}`),
      )
      .finally(() => (this.running = undefined));
    return this.running;
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }
}
