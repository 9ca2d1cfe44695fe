/**
 * A DCS simulator over real HTTP and a client pointed at it, with time and pauses recorded
 * instead of waited for.
 */
import { Agent, DecoratorHandler, type Dispatcher } from 'undici';
import { createDcsClient, type DcsClientOptions } from '../../src/dcs/client.js';
import type { DcsEvent } from '../../src/dcs/events.js';
import type { DcsApi } from '../../src/dcs/types.js';
import { DcsSimulator } from '../../sim/index.js';
import type { SimOptions } from '../../sim/types.js';
import { TEST_AK, TEST_AUTH_TOKEN, TEST_LINK_SECRET, TEST_PROJECT_ID, TEST_SK } from './secrets.js';

/** The one reference time of these tests, on both the sim's clock and the client's. */
export const NOW = new Date('2025-03-10T12:00:00Z');
/** Days inside the sim's 7-day retention at NOW. */
export const RETAINED_DAYS = ['2025-03-04', '2025-03-05', '2025-03-06', '2025-03-07', '2025-03-08', '2025-03-09', '2025-03-10'];

export interface Fixture {
  sim: DcsSimulator;
  events: DcsEvent[];
  /** Every pause the retry policy asked for, in ms. */
  delays: number[];
  client(overrides?: Partial<DcsClientOptions>): DcsApi;
  close(): Promise<void>;
}

export async function startFixture(options: Partial<SimOptions> = {}): Promise<Fixture> {
  const sim = await DcsSimulator.start({
    credentials: { ak: TEST_AK, sk: TEST_SK },
    authToken: TEST_AUTH_TOKEN,
    linkSecret: TEST_LINK_SECRET,
    now: () => NOW.getTime(),
    ...options,
  });
  const events: DcsEvent[] = [];
  const delays: number[] = [];
  // Each fixture gets its own agent so closing the sim never leaves a pooled socket to the next test.
  const agent = new Agent({ keepAliveTimeout: 1_000 });
  return {
    sim,
    events,
    delays,
    client: (overrides = {}) =>
      createDcsClient({
        endpoint: sim.endpoint,
        projectId: TEST_PROJECT_ID,
        auth: { kind: 'aksk', accessKey: TEST_AK, secretKey: TEST_SK },
        allowHttp: true,
        dispatcher: agent,
        now: () => NOW,
        sleep: async (ms) => {
          delays.push(ms);
        },
        random: () => 0,
        onEvent: (event) => events.push(event),
        ...overrides,
      }),
    close: async () => {
      await sim.close();
      await agent.close();
    },
  };
}

/** What a dispatcher was asked to send, and how many body bytes it handed on. */
export interface Recorded {
  method: string;
  path: string;
  body: unknown;
  headers: Record<string, string>;
}

/**
 * Wraps a dispatcher to record each request as the client built it and count the response bytes
 * delivered; `origin` sends everything to another server (an https-named endpoint served by the sim).
 */
export function recordingDispatcher(inner: Dispatcher, options: { origin?: string } = {}) {
  const requests: Recorded[] = [];
  const received = { bytes: 0 };
  const dispatcher = inner.compose((dispatch) => (opts, handler) => {
    requests.push({ method: opts.method, path: opts.path, body: opts.body ?? null, headers: headerRecord(opts.headers) });
    class Counting extends DecoratorHandler {
      onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
        received.bytes += chunk.length;
        return (DecoratorHandler.prototype as unknown as Dispatcher.DispatchHandler).onResponseData?.call(this, controller, chunk);
      }
    }
    return dispatch(options.origin === undefined ? opts : { ...opts, origin: options.origin }, new Counting(handler));
  });
  return { dispatcher, requests, received };
}

function headerRecord(headers: Dispatcher.DispatchOptions['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  if (!headers) return out;
  if (Array.isArray(headers)) {
    for (let i = 0; i + 1 < headers.length; i += 2) out[String(headers[i]).toLowerCase()] = String(headers[i + 1]);
    return out;
  }
  const entries = typeof (headers as Iterable<unknown>)[Symbol.iterator] === 'function' ? [...(headers as Iterable<[string, string]>)] : Object.entries(headers);
  for (const [name, value] of entries) out[name.toLowerCase()] = String(value);
  return out;
}
