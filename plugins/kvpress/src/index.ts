export * from './presses/index.js';
