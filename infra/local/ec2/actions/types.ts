import type { Ec2Model } from '../model/ec2-model';
import type { QueryParams } from '../query/params';
import type { XmlObject } from '../query/xml';

/** One EC2 action: reads its parameters, changes or reads the model, returns the response body. */
export type ActionHandler = (params: QueryParams, model: Ec2Model) => XmlObject;
export type ActionTable = Readonly<Record<string, ActionHandler>>;
