export { createAxon, type Axon, type AxonOptions } from './create-axon.js';
