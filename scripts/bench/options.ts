/** `npm run bench -- [flags]`: what to run, how often and how big. */
import { parseArgs } from 'node:util';

export type ScenarioName = 'big-file' | 'fleet' | 'scale' | 'search';
export const SCENARIOS: ScenarioName[] = ['big-file', 'fleet', 'scale', 'search'];

export interface BenchOptions {
  quick: boolean;
  /** Repetitions per measurement; medians are reported. */
  runs: number;
  /** Repetitions of the fleet scenario (each costs ~4 min on the test Swift: its concurrency-16 pass is store-bound). */
  fleetRuns: number;
  /** Repetitions of the scale passes (each 1,000-instance pass costs ~40 s on the test Swift). */
  scaleRuns: number;
  only: ScenarioName[];
  /** DCS simulator latency per API call and per download first byte. */
  latencyMs: number;
  /** Fleet at concurrency 1: on a 10% subset (default) or the whole fleet. */
  c1Full: boolean;
  /** Write V8 CPU profiles of the archiver and search runs into .bench/profiles/. */
  profile: boolean;
  /**
   * dcs.requestsPerSecond for the passes (the archiver's default caps a pass at that many listing
   * or link calls per second; the design targets assume no such cap). 'default' = unset.
   */
  dcsRate: number | 'default';
  /** archive.partSizeMiB for the big-file pass and its baselines; the archiver's default when undefined. */
  partSizeMiB: number | undefined;
  out: string;
  sizes: Sizes;
}

export interface Sizes {
  bigBytes: number;
  smallBigBytes: number;
  fleetInstances: number;
  fleetDays: number;
  fleetFileBytes: number;
  /** Share of the fleet's instances measured at concurrency 1 (unless --c1-full). */
  c1Share: number;
  fleetConcurrency: number;
  scaleInstances: number[];
  historyInstances: number;
  historyDays: [number, number];
}

const MiB = 1024 * 1024;

const FULL: Sizes = {
  bigBytes: 1024 * MiB,
  smallBigBytes: 100 * MiB,
  fleetInstances: 300,
  fleetDays: 3,
  fleetFileBytes: 256 * 1024,
  c1Share: 0.1,
  fleetConcurrency: 16,
  scaleInstances: [100, 1000, 5000, 10_000],
  historyInstances: 1000,
  historyDays: [3, 30],
};

const QUICK: Sizes = {
  bigBytes: 128 * MiB,
  smallBigBytes: 32 * MiB,
  fleetInstances: 30,
  fleetDays: 3,
  fleetFileBytes: 64 * 1024,
  c1Share: 0.2,
  fleetConcurrency: 16,
  scaleInstances: [20, 100],
  historyInstances: 100,
  historyDays: [3, 30],
};

export const USAGE = `npm run bench -- [flags]      (build first: npm run build)

  --quick              small sizes, one run each: a smoke run (~2 min)
  --runs N             repetitions per measurement, medians reported (default 3; --quick: 1)
  --fleet-runs N       repetitions of the fleet scenario (default 1, ~4 min each; --quick: 1)
  --scale-runs N       repetitions of each scale pass (default 1)
  --only LIST          comma-separated: ${SCENARIOS.join(',')} (default: all)
  --latency MS         simulated DCS latency per API call and per download first byte (default 50)
  --c1-full            fleet at concurrency 1 over the whole fleet instead of a 10% subset (~4 min more)
  --scale LIST         instance counts of the scale curve (default 100,1000,5000,10000)
  --dcs-rate N|default dcs.requestsPerSecond of the passes (default 1000, the most allowed; the
                       archiver's own default (config/default.yaml) would bound figures that wait on DCS)
  --big MIB,MIB        sizes of the big-file scenario: the large file, then the smaller one whose peak
                       RSS it is compared with (default 1024,100; e.g. 200,20 for the memory check)
  --part-size MIB      archive.partSizeMiB of the big-file pass and its baselines (default: the archiver's)
  --profile            write V8 CPU profiles of the archiver and search runs to .bench/profiles/
  --out FILE           results JSON (default .bench/results.json)
  --help`;

export function parseOptions(argv: string[]): BenchOptions | 'help' {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean' },
      runs: { type: 'string' },
      'scale-runs': { type: 'string' },
      'fleet-runs': { type: 'string' },
      only: { type: 'string' },
      latency: { type: 'string' },
      'c1-full': { type: 'boolean' },
      scale: { type: 'string' },
      profile: { type: 'boolean' },
      'part-size': { type: 'string' },
      big: { type: 'string' },
      'dcs-rate': { type: 'string' },
      out: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return 'help';
  const quick = values.quick ?? false;
  const sizes = { ...(quick ? QUICK : FULL) };
  if (values.big !== undefined) {
    const [large, small] = values.big.split(',').map((n) => positiveInt('--big', n));
    if (large === undefined || small === undefined) throw new Error('--big: expected two sizes in MiB, e.g. 200,20');
    sizes.bigBytes = large * MiB;
    sizes.smallBigBytes = small * MiB;
  }
  if (values.scale !== undefined) sizes.scaleInstances = values.scale.split(',').map((n) => positiveInt('--scale', n));
  const only = values.only === undefined ? SCENARIOS : values.only.split(',').map((name) => {
    if (!(SCENARIOS as string[]).includes(name)) throw new Error(`--only: unknown scenario ${name}; allowed: ${SCENARIOS.join(', ')}`);
    return name as ScenarioName;
  });
  return {
    quick,
    runs: values.runs === undefined ? (quick ? 1 : 3) : positiveInt('--runs', values.runs),
    fleetRuns: values['fleet-runs'] === undefined ? 1 : positiveInt('--fleet-runs', values['fleet-runs']),
    scaleRuns: values['scale-runs'] === undefined ? 1 : positiveInt('--scale-runs', values['scale-runs']),
    only,
    latencyMs: values.latency === undefined ? 50 : nonNegativeInt('--latency', values.latency),
    c1Full: values['c1-full'] ?? false,
    profile: values.profile ?? false,
    dcsRate: values['dcs-rate'] === undefined ? 1000 : values['dcs-rate'] === 'default' ? 'default' : positiveInt('--dcs-rate', values['dcs-rate']),
    partSizeMiB: values['part-size'] === undefined ? undefined : positiveInt('--part-size', values['part-size']),
    out: values.out ?? '.bench/results.json',
    sizes,
  };
}

function positiveInt(flag: string, text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${flag}: got ${text}; allowed: a positive integer`);
  return n;
}

function nonNegativeInt(flag: string, text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${flag}: got ${text}; allowed: an integer ≥ 0`);
  return n;
}
