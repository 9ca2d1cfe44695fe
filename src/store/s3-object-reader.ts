/**
 * Streaming object reads for the archive's readers (`logs`, `search`, `events`, `verify --deep`):
 * one signed GET per object through the socket reader (src/http/socket-get.ts), instead of
 * the SDK's GetObject. The SDK still decides where and as whom: the object URL comes from a
 * GetObject request it builds once and never sends (endpoint rules, path or virtual-host style),
 * and each GET is signed by the client's own signer with its own credentials. What it no longer
 * does per object is run its middleware stack and hand the body on as an IncomingMessage's fresh
 * buffers: the reader copies it into buffers of its own. On a store bound by CPU that cost a
 * search a fifth of its rate (scripts/bench, search row).
 *
 * Failures come out as the SDK's would have: the error body's code and status go through
 * classifyS3Error, a missing key is `undefined`, and a failure before the body is tried again as
 * the SDK tries (three attempts in all, 100 ms base, full jitter).
 */
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { ArchiveError } from '../errors.js';
import { sleep as defaultSleep, withRetry, type RetryPolicy } from '../retry.js';
import { GetFailure, socketGet, type GetAnswer } from '../http/socket-get.js';
import type { StoreTimeouts } from './check-deadline.js';
import { classifiedSource } from './parts.js';
import { isMissingObject } from './s3-errors.js';
import type { ByteSource } from './store.js';

export interface ObjectReaderOptions {
  client: S3Client;
  bucket: string;
  timeouts: StoreTimeouts;
  /** Classifies a failure of `operation` on `key` (the store's own classifier). */
  fail: (error: unknown, operation: string, key: string, signal?: AbortSignal) => Error;
  retry?: RetryPolicy;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  random?: () => number;
}

/** Opens `fullKey` (bucket-relative) for reading; undefined when it does not exist. */
export type ObjectReader = (fullKey: string, signal?: AbortSignal) => Promise<ByteSource | undefined>;

/** The SDK's standard mode: three attempts, exponential from 100 ms with full jitter, capped at 20 s. */
const SDK_RETRY: RetryPolicy = { attempts: 3, baseDelayMs: 100, maxDelayMs: 20_000 };
const ERROR_BODY_BYTES = 64 * 1024;

interface ObjectUrl {
  /** Scheme, host and the path up to the key (`/bucket/` in path style, `/` for a virtual host). */
  origin: string;
  basePath: string;
  signingRegion: string | undefined;
}

export function createObjectReader(options: ObjectReaderOptions): ObjectReader {
  const { client, bucket, timeouts, fail } = options;
  const retry = options.retry ?? SDK_RETRY;
  const effects = { sleep: options.sleep ?? defaultSleep, random: options.random ?? Math.random };
  let located: Promise<ObjectUrl> | undefined;

  return async (fullKey, signal) => {
    const answer = await withRetry(retry, { ...effects, ...(signal ? { signal } : {}) }, async () => {
      try {
        // Resolved once; a failure (no credentials) is not kept, so the next read asks again.
        located ??= objectUrl(client, bucket).catch((error: unknown) => {
          located = undefined;
          throw error;
        });
        return await open(await located, fullKey, signal);
      } catch (error) {
        throw fail(error, 'read', fullKey, signal);
      }
    });
    if (!answer) return undefined;
    // Errors while the body streams are classified too, so deep verification can retry a reset.
    return classifiedSource(answer.body, (error) => fail(networkShape(error), 'read', fullKey, signal));
  };

  async function open(url: ObjectUrl, fullKey: string, signal: AbortSignal | undefined): Promise<GetAnswer | undefined> {
    const target = new URL(`${url.origin}${url.basePath}${encodeKey(fullKey)}`);
    const signer = await client.config.signer();
    const signed = await signer.sign(
      {
        method: 'GET',
        protocol: target.protocol,
        hostname: target.hostname,
        ...(target.port ? { port: Number(target.port) } : {}),
        path: target.pathname,
        query: {},
        headers: { host: target.host, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' },
      },
      { ...(url.signingRegion ? { signingRegion: url.signingRegion } : {}), signingService: 's3' },
    );
    // socketGet writes Host itself, from the same URL.
    const headers = Object.fromEntries(Object.entries(signed.headers).filter(([name]) => name.toLowerCase() !== 'host'));
    let answer: GetAnswer;
    try {
      answer = await socketGet(target, {
        headers,
        connectTimeoutMs: timeouts.connectMs,
        headersTimeoutMs: timeouts.requestMs,
        bodyTimeoutMs: timeouts.requestMs,
        ...(signal ? { signal } : {}),
      });
    } catch (error) {
      throw networkShape(error);
    }
    if (answer.status === 200) return answer;
    const shape = await errorShape(answer);
    if (isMissingObject(shape)) return undefined;
    throw shape;
  }
}

/**
 * Where objects of `bucket` live, as the SDK resolves it: a GetObject is built (serialized,
 * endpoint applied) and stopped before it is signed or sent.
 */
async function objectUrl(client: S3Client, bucket: string): Promise<ObjectUrl> {
  const probe = 'k';
  const command = new GetObjectCommand({ Bucket: bucket, Key: probe });
  const stop = new Error('object URL resolved');
  let found: ObjectUrl | undefined;
  command.middlewareStack.add(
    (_next, context) => (args) => {
      const request = args.request as { protocol: string; hostname: string; port?: number; path: string };
      const scheme = (context.endpointV2 as { properties?: { authSchemes?: Array<{ signingRegion?: string }> } } | undefined)?.properties?.authSchemes?.[0];
      if (!request.path.endsWith(`/${probe}`)) throw new ArchiveError('store', 'fatal', 'object-url', `cannot tell where objects of bucket ${bucket} live: the SDK built the path ${request.path}`);
      found = {
        origin: `${request.protocol}//${request.hostname}${request.port ? `:${request.port}` : ''}`,
        basePath: request.path.slice(0, -probe.length),
        signingRegion: scheme?.signingRegion,
      };
      throw stop;
    },
    { step: 'build', priority: 'low', name: 'resolveObjectUrl' },
  );
  try {
    await client.send(command);
  } catch (error) {
    if (error !== stop) throw error;
  }
  if (!found) throw new ArchiveError('store', 'fatal', 'object-url', `cannot tell where objects of bucket ${bucket} live`);
  return found;
}

/** A key as the SDK puts it in a path: each segment URI-encoded, `!'()*` too. */
export function encodeKey(key: string): string {
  return key
    .split('/')
    .map((segment) => encodeURIComponent(segment).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`))
    .join('/');
}

/** An error answer as the SDK's error would look: its XML code, message and request id, its status. */
async function errorShape(answer: GetAnswer): Promise<object> {
  const buffer = Buffer.alloc(ERROR_BODY_BYTES);
  let text = '';
  try {
    text = buffer.toString('utf8', 0, await answer.body.fill(buffer));
  } catch {
    // The status alone decides.
  } finally {
    answer.body.destroy();
  }
  const field = (name: string) => new RegExp(`<${name}>([^<]*)</${name}>`).exec(text)?.[1];
  const code = field('Code') ?? (answer.status === 404 ? 'NotFound' : undefined);
  return {
    ...(code ? { name: code, Code: code } : {}),
    message: field('Message') ?? '',
    $metadata: { httpStatusCode: answer.status, ...(field('RequestId') ? { requestId: field('RequestId') } : {}) },
    $response: { headers: answer.headers },
  };
}

/** A broken connection as the SDK reports one: its errno code, or a timeout. */
function networkShape(error: unknown): unknown {
  if (!(error instanceof GetFailure)) return error;
  if (error.stage === 'aborted') return { name: 'AbortError', message: 'aborted' };
  if (/timeout/.test(error.code)) return { name: 'TimeoutError', message: `no answer in time (${error.code})` };
  if (/^E[A-Z]+$/.test(error.code)) return { name: error.code, code: error.code, message: `the connection failed (${error.code})` };
  return { name: 'ECONNRESET', code: 'ECONNRESET', message: `the connection broke off (${error.code})` };
}
