import { Injectable } from '@nestjs/common';

/**
 * The time business rules run on (trials, billing periods, expiry). One injectable source instead of
 * `new Date()` scattered through handlers, so tests move time forward by replacing `now` rather
 * than sleeping, and jobs and commands agree on what "now" is within one step.
 */
@Injectable()
export class Clock {
  now(): Date {
    return new Date();
  }
}
