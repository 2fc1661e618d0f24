import { Counter, Gauge } from 'prom-client';
import { registry } from '../../metrics.js';

/** Metagraph syncs by outcome (`ok`, `error`). */
export const metagraphSyncs = new Counter({
  name: 'condense_metagraph_syncs_total',
  help: 'Metagraph syncs by outcome',
  labelNames: ['outcome'] as const,
  registers: [registry],
});

/** Block number of the latest metagraph snapshot. */
export const metagraphBlock = new Gauge({
  name: 'condense_metagraph_block',
  help: 'Block number of the latest metagraph snapshot',
  registers: [registry],
});

/** serve_axon decisions by outcome (`unchanged`, `served`, `rate-limited`, `error`). */
export const serveAxonOutcomes = new Counter({
  name: 'condense_serve_axon_total',
  help: 'serve_axon decisions by outcome',
  labelNames: ['outcome'] as const,
  registers: [registry],
});
