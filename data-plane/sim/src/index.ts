export { runSimulation, DEFAULT_SIM_OPTIONS, type SimOptions, type SimResult, type SimStats } from './simulation.js';
export type { Violation } from './checkers.js';
export * from './linearizability/index.js';
