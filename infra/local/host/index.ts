export { apiEventOf, matchRoute } from './api-event';
export { startApiServer } from './api-server';
export {
  instanceStateEvent,
  type LocalControlPlane,
  type LocalControlPlaneOptions,
  startLocalControlPlane,
} from './control-plane';
export { type CredentialLookup, verifySigV4 } from './sigv4-verifier';
