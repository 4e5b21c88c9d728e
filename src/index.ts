/** Programmatic surface, for embedders and tests. Apps normally only use `otelite/register`. */
export { startAgent, getAgent, type Agent } from './agent';
export { readConfig } from './config';
export type { Config } from './config/types';
