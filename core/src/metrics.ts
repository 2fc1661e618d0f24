import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * One Prometheus registry per process, served at `GET /metrics`. Modules register their
 * metrics here (prefix `condense_`), never on prom-client's global registry.
 */
export const registry = new Registry();
collectDefaultMetrics({ register: registry, prefix: 'condense_process_' });

export const condenseRequests = new Counter({
  name: 'condense_requests_total',
  help: 'POST /condense requests by outcome',
  labelNames: ['outcome'] as const,
  registers: [registry],
});

export const condenseDuration = new Histogram({
  name: 'condense_request_seconds',
  help: 'Time per condense request by stage',
  labelNames: ['stage'] as const,
  buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 16, 32, 64],
  registers: [registry],
});

export const queueDepth = new Gauge({
  name: 'condense_queue_depth',
  help: 'Requests waiting for or holding the compressor',
  registers: [registry],
});

export const storeGcDeleted = new Counter({
  name: 'condense_store_gc_deleted_total',
  help: 'Artifacts deleted by TTL cleanup',
  registers: [registry],
});
