/** Targets, the printed table and its Markdown twin. */
import type { Machine } from './machine.js';
import type { BigFileResult } from './scenarios/big-file.js';
import type { FleetResult } from './scenarios/fleet.js';
import type { ScalePoint, ScaleResult } from './scenarios/scale.js';
import type { StoreRates } from './bucket.js';
import { fmt, mib, MiB, type Figure } from './stats.js';

export interface Row {
  scenario: string;
  metric: string;
  value: string;
  target?: string;
  status?: 'PASS' | 'MISS';
}

export interface Results {
  machine: Machine;
  storeRates: StoreRates;
  latencyMs: number;
  runs: number;
  fleetRuns: number;
  scaleRuns: number;
  bigFile?: BigFileResult;
  fleet?: FleetResult;
  scale?: ScaleResult;
}

const check = (ok: boolean): 'PASS' | 'MISS' => (ok ? 'PASS' : 'MISS');
const n = (f: Figure) => f.median;
const spread = (f: Figure, digits = 1) => (f.samples.length > 1 ? ` (${f.samples.map((v) => fmt(v, digits)).join(' / ')})` : '');
const rss = (f: Figure) => `${mib(f.median)}${f.samples.length > 1 ? ` (${f.samples.map((v) => fmt(v / MiB, 0)).join(' / ')})` : ''}`;
const secs = (ms: number) => `${fmt(ms / 1000, 2)} s`;

export function rows(r: Results): Row[] {
  const out: Row[] = [];
  const add = (row: Row) => out.push(row);
  add({ scenario: 'store', metric: `Swift small PUTs/s at concurrency ${r.storeRates.concurrency} (floor for writes)`, value: fmt(r.storeRates.putPerSecond, 0) });
  add({ scenario: 'store', metric: `Swift GET+LIST pairs/s at concurrency ${r.storeRates.concurrency} (floor for nothing-new)`, value: fmt(r.storeRates.getListPairsPerSecond, 0) });

  const b = r.bigFile;
  if (b) {
    const s = `big file ${mib(b.bytes)}`;
    add({ scenario: s, metric: 'raw download alone (undici GET, drained)', value: `${fmt(n(b.downloadMiBps))} MiB/s${spread(b.downloadMiBps)}` });
    add({ scenario: s, metric: `raw upload alone (lib-storage, ${b.partSizeMiB} MiB parts, queueSize 4)`, value: `${fmt(n(b.uploadMiBps))} MiB/s${spread(b.uploadMiBps)}` });
    const at = b.passPartSizeMiB ? `${b.passPartSizeMiB} MiB parts` : 'defaults';
    add({ scenario: s, metric: `archive throughput (link → record), ${at}`, value: `${fmt(n(b.archiveMiBps))} MiB/s${spread(b.archiveMiBps)}` });
    add({ scenario: s, metric: 'naive copy (link call → GET → lib-storage Upload, 8 MiB parts, queueSize 4), alternated', value: `${fmt(n(b.naiveMiBps))} MiB/s${spread(b.naiveMiBps)}` });
    add({ scenario: s, metric: `ratio archive (${at}) / naive copy, run by run`, value: `${fmt(n(b.naiveRatio), 2)}×${spread(b.naiveRatio, 2)}`, target: '≥ 1.0×', status: check(n(b.naiveRatio) >= 1) });
    add({ scenario: s, metric: 'peak RSS archive / naive copy', value: `${rss(b.peakRss)} / ${rss(b.naivePeakRss)}` });
    add({ scenario: s, metric: 'archive throughput, whole process (start-up included)', value: `${fmt(n(b.archiveEndToEndMiBps))} MiB/s` });
    add({ scenario: s, metric: 'ratio archive / min(download, upload)', value: `${fmt(n(b.ratio), 2)}${spread(b.ratio, 2)}`, target: '≥ 0.85', status: check(n(b.ratio) >= 0.85) });
    add({ scenario: s, metric: 'diagnostic: raw pipe, download straight into the upload, nothing between', value: `${fmt(n(b.pipeMiBps))} MiB/s${spread(b.pipeMiBps)}` });
    add({ scenario: s, metric: 'diagnostic: ratio archive / raw pipe (the archiver\'s own overhead)', value: `${fmt(n(b.pipeRatio), 2)}${spread(b.pipeRatio, 2)}` });
    add({ scenario: s, metric: `peak RSS, ${mib(b.bytes)} file`, value: rss(b.peakRss), target: '≤ 160 MiB', status: check(n(b.peakRss) <= 160 * MiB) });
    const diff = Math.abs(n(b.peakRss) - n(b.peakRssSmall)) / n(b.peakRssSmall);
    add({ scenario: s, metric: `peak RSS, ${mib(b.smallBytes)} file`, value: rss(b.peakRssSmall) });
    add({ scenario: s, metric: `peak RSS difference ${mib(b.bytes)} vs ${mib(b.smallBytes)}`, value: `${fmt(diff * 100)} %`, target: '≤ 10 %', status: check(diff <= 0.1) });
    add({
      scenario: s,
      metric: `diagnostic: at the peak, V8 heap / array buffers, ${mib(b.bytes)} vs ${mib(b.smallBytes)} file`,
      value: `${mib(n(b.heapAtPeak))} / ${mib(n(b.buffersAtPeak))} vs ${mib(n(b.heapAtPeakSmall))} / ${mib(n(b.buffersAtPeakSmall))}`,
    });
    add({ scenario: s, metric: 'CPU (user+system) per GiB archived, whole process', value: `${fmt(n(b.cpuSecondsPerGiB), 2)} s/GiB${spread(b.cpuSecondsPerGiB, 2)}` });
    add({ scenario: s, metric: 'diagnostic: CPU per GiB of the raw pipe / raw upload (transfer only)', value: `${fmt(n(b.pipeCpuSecondsPerGiB), 2)} / ${fmt(n(b.uploadCpuSecondsPerGiB), 2)} s/GiB` });
    add({ scenario: s, metric: 'event-loop delay p99 during the pass (module loading included)', value: `${fmt(n(b.eventLoopDelayP99Ms))} ms` });
  }

  const f = r.fleet;
  if (f) {
    const s = `fleet ${f.instances}×2×${f.files / f.instances / 2} files of ${fmt(f.fileBytes / 1024, 0)} KiB`;
    const c1Label = f.c1.subset ? `concurrency 1, SUBSET of ${f.c1.instances} instances / ${f.c1.files} files (not extrapolated)` : `concurrency 1, all ${f.c1.files} files`;
    add({ scenario: s, metric: `${c1Label}: pass time`, value: secs(n(f.c1.passMs)) });
    add({ scenario: s, metric: `${c1Label}: files/s`, value: `${fmt(n(f.c1.filesPerSecond), 2)}${spread(f.c1.filesPerSecond, 2)}` });
    add({ scenario: s, metric: `concurrency ${f.concurrency}, all ${f.files} files: pass time (process wall)`, value: `${secs(n(f.cN.passMs))} (${secs(n(f.cN.wallMs))})` });
    add({ scenario: s, metric: `concurrency ${f.concurrency}: files/s`, value: `${fmt(n(f.cN.filesPerSecond), 2)}${spread(f.cN.filesPerSecond, 2)}` });
    add({ scenario: s, metric: `speedup concurrency ${f.concurrency} over 1 (files/s)`, value: `${fmt(n(f.speedup), 2)}×${spread(f.speedup, 2)}`, target: '≥ 12×', status: check(n(f.speedup) >= 12) });
    add({ scenario: s, metric: `peak RSS at concurrency ${f.concurrency}`, value: rss(f.cN.peakRss), target: '≤ 200 MiB', status: check(n(f.cN.peakRss) <= 200 * MiB) });
    add({ scenario: s, metric: 'peak RSS at concurrency 1', value: rss(f.c1.peakRss) });
    // A file's object and its record, plus the instance's manifest GET, two LISTs and manifest PUT over its files.
    add({ scenario: s, metric: `bucket requests per file at concurrency ${f.concurrency}`, value: `${fmt(n(f.cN.bucketRequestsPerFile), 2)} (${kinds(f.cN.bucketRequests)})`, target: '≤ 2.7', status: check(n(f.cN.bucketRequestsPerFile) <= 2.7) });
    const allowed = n(f.cN.storePutsPerSecond) / n(f.cN.bucketRequestsPerFile);
    add({ scenario: s, metric: `Swift small PUTs/s through the counting proxy, right before and after each pass (mean)`, value: `${fmt(n(f.cN.storePutsPerSecond), 0)}${spread(f.cN.storePutsPerSecond, 0)}` });
    add({ scenario: s, metric: `files/s this Swift allows at ${fmt(n(f.cN.bucketRequestsPerFile), 2)} requests per file`, value: fmt(allowed, 2) });
    // The fleet at the store's floor, run by run: its files/s against what the small-PUT rate around it allows at that many requests per file.
    add({ scenario: s, metric: `fleet ratio: files/s at concurrency ${f.concurrency} ÷ (small PUTs/s ÷ requests per file)`, value: `${fmt(n(f.cN.floorRatio), 2)}${spread(f.cN.floorRatio, 2)}`, target: '≥ 0.9', status: check(n(f.cN.floorRatio) >= 0.9) });
    add({ scenario: s, metric: 'CPU seconds of the archiver, concurrency 16 pass', value: `${fmt(n(f.cN.cpuSeconds), 2)} s` });

    const nn = f.nothingNew;
    const s2 = `nothing new, ${nn.instances} instances (fleet, c=${nn.concurrency})`;
    nothingNewRows(add, s2, 'second pass', nn.second, nn.idealMs, nn.storeFloorMs, true);
    nothingNewRows(add, s2, 'third pass', nn.third, nn.idealMs, nn.storeFloorMs, false);
    if (nn.atDefaultRate) {
      add({ scenario: s2, metric: `another pass at the archiver's default dcs.requestsPerSecond (${nn.atDefaultRate.rate}): pass time (process wall), 1 run`, value: `${secs(nn.atDefaultRate.passMs)} (${secs(nn.atDefaultRate.wallMs)})` });
    }
  }

  const sc = r.scale;
  if (sc) {
    for (const point of sc.curve) scaleRows(add, point, 'scale');
    for (const point of sc.history) scaleRows(add, point, 'history');
    const [short, long] = sc.history;
    if (short && long) {
      const t = n(long.figures.passMs) / n(short.figures.passMs);
      const m = n(long.figures.peakRss) / n(short.figures.peakRss);
      add({ scenario: 'history', metric: `${long.historyDays} vs ${short.historyDays} days: pass time ratio`, value: `${fmt(t, 2)}×` });
      add({ scenario: 'history', metric: `${long.historyDays} vs ${short.historyDays} days: peak RSS ratio`, value: `${fmt(m, 2)}×` });
    }
    const [first, last] = [sc.curve[0], sc.curve.at(-1)];
    if (first && last && first !== last) {
      add({ scenario: 'scale', metric: `time per instance ${last.instances} vs ${first.instances} instances`, value: `${fmt(n(last.msPerInstance) / n(first.msPerInstance), 2)}×` });
      const perInstance = (n(last.figures.peakRss) - n(first.figures.peakRss)) / (last.instances - first.instances);
      add({ scenario: 'scale', metric: `peak RSS per instance, ${first.instances} → ${last.instances} instances`, value: `${fmt(perInstance / 1024, 1)} KiB` });
    }
    const tenThousand = sc.curve.find((p) => p.instances === 10_000);
    if (tenThousand) {
      add({ scenario: 'scale', metric: 'peak RSS of one pass over 10,000 instances', value: rss(tenThousand.figures.peakRss), target: '≤ 256 MiB', status: check(n(tenThousand.figures.peakRss) <= 256 * MiB) });
    }
  }
  return out;
}

function nothingNewRows(add: (row: Row) => void, s: string, which: string, p: import('./scenarios/fleet.js').PassFigures, idealMs: number, floorMs: number, judged: boolean): void {
  const judge = (ok: boolean) => (judged ? check(ok) : undefined);
  add({ scenario: s, metric: `${which}: DCS listing calls per instance (all DCS calls)`, value: `${fmt(n(p.listCallsPerInstance), 2)} (${fmt(n(p.dcsCallsPerInstance), 2)})`, target: judged ? '≤ 1' : undefined, status: judge(n(p.dcsCallsPerInstance) <= 1) });
  add({
    scenario: s,
    metric: `${which}: bucket requests per instance (+ ${fmt(n(p.bucketRequestsPerPass), 0)} per pass: check, run report)`,
    value: `${fmt(n(p.bucketRequestsPerInstance), 2)} (${kinds(p.bucketRequestsByKind)})`,
    target: judged ? '≤ 2' : undefined,
    status: judge(n(p.bucketRequestsPerInstance) <= 2),
  });
  add({
    scenario: s,
    metric: `${which}: pass time (process wall); ideal ${secs(idealMs)}, store floor ${secs(floorMs)}`,
    value: `${secs(n(p.passMs))} (${secs(n(p.wallMs))})`,
    target: judged ? `≤ ${secs(1.2 * idealMs)}` : undefined,
    status: judge(n(p.passMs) <= 1.2 * idealMs),
  });
  add({ scenario: s, metric: `${which}: peak RSS`, value: rss(p.peakRss) });
}

function scaleRows(add: (row: Row) => void, p: ScalePoint, kind: string): void {
  const s = `${kind}: ${p.instances} instances, ${p.historyDays} days of history`;
  const f = p.figures;
  add({ scenario: s, metric: 'DCS calls per instance', value: fmt(n(f.dcsCallsPerInstance), 2), target: '≤ 1', status: check(n(f.dcsCallsPerInstance) <= 1) });
  add({ scenario: s, metric: 'bucket requests per instance', value: `${fmt(n(f.bucketRequestsPerInstance), 2)} (${kinds(f.bucketRequestsByKind)})`, target: '≤ 2', status: check(n(f.bucketRequestsPerInstance) <= 2) });
  add({
    scenario: s,
    metric: `pass time (process wall); ideal ${secs(p.idealMs)}, store floor ${secs(p.storeFloorMs)}`,
    value: `${secs(n(f.passMs))} (${secs(n(f.wallMs))})`,
    target: `≤ ${secs(1.2 * p.idealMs)}`,
    status: check(n(f.passMs) <= 1.2 * p.idealMs),
  });
  add({ scenario: s, metric: 'pass time per instance; peak RSS', value: `${fmt(n(p.msPerInstance), 2)} ms; ${rss(f.peakRss)}` });
}

function kinds(counts: Record<string, number>): string {
  return Object.entries(counts)
    .sort((a, b) => b[1] - a[1])
    .map(([kind, count]) => `${count} ${kind}`)
    .join(', ');
}

export function printTable(all: Row[]): string {
  const lines: string[] = [];
  let scenario = '';
  for (const row of all) {
    if (row.scenario !== scenario) {
      scenario = row.scenario;
      lines.push('', `== ${scenario}`);
    }
    const status = row.status ? `${row.status}  (target ${row.target})` : '';
    lines.push(`  ${row.metric.padEnd(78)} ${row.value}${status ? `   ${status}` : ''}`);
  }
  return lines.join('\n');
}

export function markdownTable(all: Row[]): string {
  const lines = ['| scenario | figure | value | target | |', '|---|---|---|---|---|'];
  for (const row of all) lines.push(`| ${row.scenario} | ${row.metric} | ${row.value} | ${row.target ?? ''} | ${row.status ?? ''} |`);
  return lines.join('\n');
}

export function machineLine(m: Machine): string {
  return `${m.cpuModel}, ${m.cores} cores, ${m.ramGiB} GiB RAM, ${m.os}, Node ${m.node}, Swift ${m.swift}, commit ${m.gitCommit}${m.srcDirty ? ' + uncommitted src/ changes' : ''}, ${m.date}`;
}
