export { ApiClient, type ApiClientOptions } from './client';
export {
  ApiCapacityError,
  ApiForbiddenError,
  ApiInvalidInputError,
  ApiUnavailableError,
  apiErrorFor,
} from './errors';
export { SIGNING_SERVICE, SignedHttp, type SignedHttpOptions, type SignedRequest } from './signed-http';
