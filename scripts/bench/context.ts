/** What every scenario gets from main.ts. */
import type { ArchiverSetup } from './archiver.js';
import type { Bucket, StoreRates } from './bucket.js';
import type { CountingProxy } from '../../test/support/bucket-proxy.js';
import type { BenchOptions } from './options.js';
import type { SimHost } from './sim-host.js';

export interface BenchContext {
  options: BenchOptions;
  root: string;
  sim: SimHost;
  bucket: Bucket;
  proxy: CountingProxy;
  setup: ArchiverSetup;
  /** Unique per bench invocation, so passes never see an earlier invocation's objects. */
  runPrefix: string;
  storeRates: StoreRates;
  progress: (message: string) => void;
}
