/**
 * What each injected status fault looks like on the wire: DCS/APIG JSON for API calls, OBS XML
 * for downloads, with the codes real clients have to classify.
 */
import { dcsError, hugeErrorBody, malformedJson, xmlError, type Answer } from './responses.js';
import type { SimFault, SimOp } from './types.js';

function retryAfter(fault: SimFault): Record<string, string> {
  return fault.retryAfterSeconds === undefined ? {} : { 'Retry-After': String(fault.retryAfterSeconds) };
}

/** Undefined for kinds that change how a normal answer is delivered rather than replacing it. */
export function apiFaultAnswer(fault: SimFault, op: SimOp): Answer | undefined {
  switch (fault.kind) {
    case 'http-429':
      return dcsError(429, 'APIGW.0308', 'The throttling threshold has been reached: policy user over ratelimit, limit:20, time:1 second', retryAfter(fault));
    case 'http-500':
      return dcsError(500, '111500000', 'Internal service error.');
    case 'http-503':
      return dcsError(503, '111500003', 'The service is temporarily unavailable. Try again later.', retryAfter(fault));
    case 'job-running':
      return dcsError(400, 'DCS.4017', 'A job for this instance is still running. Try again later.');
    case 'http-401':
      return dcsError(401, 'APIGW.0301', 'Incorrect IAM authentication information: verify aksk signature fail');
    case 'http-403':
      return dcsError(403, 'DCS.2003', 'You do not have permission to perform this operation.');
    case 'http-404':
      return op === 'link'
        ? dcsError(404, '111404022', 'The run log does not exist or has expired.')
        : dcsError(404, 'DCS.3022', 'The instance does not exist.');
    case 'malformed-json':
      return malformedJson();
    case 'huge-error-body':
      return hugeErrorBody(false);
    default:
      return undefined;
  }
}

export function downloadFaultAnswer(fault: SimFault, requestId: string): Answer | undefined {
  const withRetry = (answer: Answer): Answer => ({ ...answer, headers: { ...answer.headers, ...retryAfter(fault) } });
  switch (fault.kind) {
    case 'http-429':
      return withRetry(xmlError(429, 'TooManyRequests', 'Please reduce your request rate.', requestId));
    case 'http-500':
      return xmlError(500, 'InternalError', 'We encountered an internal error. Please try again.', requestId);
    case 'http-503':
      return withRetry(xmlError(503, 'ServiceUnavailable', 'Please reduce your request rate.', requestId));
    case 'http-401':
      return xmlError(401, 'Unauthorized', 'Unauthorized.', requestId);
    case 'http-403':
      return xmlError(403, 'AccessDenied', 'Access Denied', requestId);
    case 'http-404':
      return xmlError(404, 'NoSuchKey', 'The specified key does not exist.', requestId);
    case 'expired-link':
      return xmlError(403, 'AccessDenied', 'Request has expired', requestId);
    case 'huge-error-body':
      return hugeErrorBody(true);
    default:
      return undefined;
  }
}
