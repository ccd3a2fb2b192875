export { startPluginServer } from './http-server';
export type { PluginServer, PluginServerOptions, ServerLogger } from './types';
