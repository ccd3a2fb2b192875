import { instanceActions } from './instances';
import { interfaceActions } from './interfaces';
import { networkActions } from './network';
import type { ActionTable } from './types';

export type { ActionHandler, ActionTable } from './types';

export const ACTIONS: ActionTable = { ...networkActions, ...instanceActions, ...interfaceActions };
