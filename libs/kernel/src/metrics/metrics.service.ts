import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { queryRows } from '../database/query-rows';
import { Scopes, UnitOfWork } from '../database/unit-of-work';

/** Prometheus metrics. One registry per application instance (tests run several in one process). */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();
  readonly httpDuration: Histogram<'method' | 'route' | 'status'>;

  constructor(uow: UnitOfWork) {
    collectDefaultMetrics({ register: this.registry });
    this.httpDuration = new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request latency by route template and status',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [this.registry],
    });
    const outboxGauge = (name: string, help: string, status: 'pending' | 'dead') =>
      new Gauge({
        name,
        help,
        registers: [this.registry],
        async collect() {
          try {
            const [row] = await uow.run(Scopes.platform, (m) =>
              queryRows<{ n: string }>(m, `SELECT count(*) AS n FROM kernel.outbox WHERE status = $1`, [status]),
            );
            this.set(Number(row.n));
          } catch {
            // The scrape must not fail because the database is briefly unavailable.
          }
        },
      });
    outboxGauge('outbox_backlog', 'Outbox events waiting for delivery', 'pending');
    outboxGauge('outbox_dead_letters', 'Outbox events that exhausted their retries', 'dead');
  }
}
