export { type ImdsOptions, type ImdsServer, startImds } from './server';
export { TokenStore } from './tokens';
