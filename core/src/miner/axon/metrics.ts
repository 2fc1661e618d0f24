import { Counter, Histogram } from 'prom-client';
import { registry } from '../../metrics.js';

/** Axon requests by synapse and outcome (`served` or a rejection reason). */
export const axonRequests = new Counter({
  name: 'condense_axon_requests_total',
  help: 'Axon requests by synapse and outcome (served, or the rejection reason)',
  labelNames: ['synapse', 'outcome'] as const,
  registers: [registry],
});

/** Seconds from request start to response, by synapse and HTTP status. */
export const axonDuration = new Histogram({
  name: 'condense_axon_request_seconds',
  help: 'Axon request time by synapse and status',
  labelNames: ['synapse', 'status'] as const,
  buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 2, 4, 8, 16, 32],
  registers: [registry],
});
