import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { S3Client } from '@aws-sdk/client-s3';
import { DEFAULT_STORE_TIMEOUTS, type StoreTimeouts } from './check-deadline.js';

export interface S3ClientOptions {
  region: string;
  endpoint?: string;
  forcePathStyle?: boolean;
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** Connections to the store at once (the SDK's default when omitted). */
  maxSockets?: number;
  timeouts?: StoreTimeouts;
}

/** The client the store builds for itself; exported so tests can build the same one and watch it. */
export function createS3Client(options: S3ClientOptions): S3Client {
  const timeouts = options.timeouts ?? DEFAULT_STORE_TIMEOUTS;
  const agentOptions = { keepAlive: true, ...(options.maxSockets === undefined ? {} : { maxSockets: options.maxSockets }) };
  return new S3Client({
    region: options.region,
    endpoint: options.endpoint,
    forcePathStyle: options.forcePathStyle ?? false,
    credentials: options.credentials,
    // Since 2025 the SDK adds CRC32 checksums and aws-chunked stream bodies by default, which
    // Huawei OBS, Swift and other S3-compatible stores reject or mis-store.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    requestHandler: {
      httpAgent: new HttpAgent(agentOptions),
      httpsAgent: new HttpsAgent(agentOptions),
      connectionTimeout: timeouts.connectMs,
      // Idle time, not total time (a part on a slow link may take long): a stalled store must not
      // hang a pass forever. The SDK's `requestTimeout` counts total time and only logs by default.
      socketTimeout: timeouts.requestMs,
    },
  });
}
