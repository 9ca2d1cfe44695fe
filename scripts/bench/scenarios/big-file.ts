/**
 * Big file: one large log through a real pass at the archiver's defaults, against the naive copy
 * (issue 10: signed link call → GET → lib-storage Upload, 8 MiB parts, queueSize 4), alternated
 * with it run by run, and against the raw download alone and the raw upload alone (each in its
 * own process), plus the same pass on a smaller file to show that peak RSS does not follow the
 * file size.
 */
import { createDcsClient } from '../../../src/dcs/client.js';
import { archiverDefault, runArchiver, type PassResult } from '../archiver.js';
import type { BenchContext } from '../context.js';
import { figure, GiB, MiB, type Figure } from '../stats.js';
import { runWorker } from '../workers.js';
import type { UploadJob } from '../workers/job.js';

/**
 * The archiver's defaults (config/default.yaml, src/store/s3-store.ts) as the raw baselines mimic
 * them: 8 MiB parts, and the 40 MiB budget gives a file alone 5 buffers, 4 parts in flight.
 */
export const ARCHIVE_DEFAULTS = { concurrency: 8, partSizeMiB: 8, queueSize: 4 };

export interface BigFileResult {
  bytes: number;
  partSizeMiB: number;
  smallBytes: number;
  concurrency: number;
  downloadMiBps: Figure;
  uploadMiBps: Figure;
  /** Archive throughput over the file's own transfer (link → record), from its `archived` line. */
  archiveMiBps: Figure;
  /** Archive throughput over the whole process, Node start-up included. */
  archiveEndToEndMiBps: Figure;
  ratio: Figure;
  /** Diagnostic: download piped straight into the upload, nothing in between (workers/raw-pipe.ts). */
  pipeMiBps: Figure;
  pipeRatio: Figure;
  /** CPU seconds per GiB of the raw pipe's transfer: what moving the bytes costs without the archiver. */
  pipeCpuSecondsPerGiB: Figure;
  uploadCpuSecondsPerGiB: Figure;
  /** The naive copy (workers/naive-copy.mjs), from its link call to the end of its upload. */
  naiveMiBps: Figure;
  naivePeakRss: Figure;
  /** Archive (link → record) ÷ naive copy (link → upload done), run by run. */
  naiveRatio: Figure;
  /** archive.partSizeMiB of the passes: undefined when they ran at the archiver's defaults. */
  passPartSizeMiB: number | undefined;
  peakRss: Figure;
  peakRssSmall: Figure;
  /** V8 heap (heapTotal) and array buffers at each pass's highest sampled RSS: what a peak is made of. */
  heapAtPeak: Figure;
  heapAtPeakSmall: Figure;
  buffersAtPeak: Figure;
  buffersAtPeakSmall: Figure;
  cpuSecondsPerGiB: Figure;
  eventLoopDelayP99Ms: Figure;
  passes: PassResult[];
}

export async function bigFile(ctx: BenchContext): Promise<BigFileResult> {
  const { sim, options, setup } = ctx;
  const { bigBytes, smallBigBytes } = options.sizes;
  const big = sim.addFleet({ name: 'big', instances: 1, replicas: 1, days: 1, bytes: bigBytes });
  const small = sim.addFleet({ name: 'big-small', instances: 1, replicas: 1, days: 1, bytes: smallBigBytes });
  // The passes run at the archiver's defaults unless --part-size says otherwise; the raw baselines use the same part size.
  const passPartSizeMiB = options.partSizeMiB;
  if (passPartSizeMiB === undefined && !['null', 'unset'].includes(archiverDefault(ctx.root, 'archive', 'partSizeMiB'))) {
    throw new Error('big file: config/default.yaml has an archive.partSizeMiB other than null; the raw baselines assume the 8 MiB default');
  }
  const partSizeMiB = passPartSizeMiB ?? ARCHIVE_DEFAULTS.partSizeMiB;
  const partSize = partSizeMiB * MiB;
  const bigLog = big.logs[0]!;
  const bigInstance = big.instances[0]!;
  const dcs = createDcsClient({
    endpoint: sim.sim.endpoint,
    projectId: sim.projectId,
    auth: { kind: 'aksk', accessKey: sim.ak, secretKey: sim.sk },
    allowHttp: true,
  });

  const download: number[] = [];
  const upload: number[] = [];
  const archive: number[] = [];
  const endToEnd: number[] = [];
  const ratio: number[] = [];
  const pipe: number[] = [];
  const pipeRatio: number[] = [];
  const pipeCpu: number[] = [];
  const uploadCpu: number[] = [];
  const rss: number[] = [];
  const rssSmall: number[] = [];
  const heapAtPeak: number[] = [];
  const heapAtPeakSmall: number[] = [];
  const buffersAtPeak: number[] = [];
  const buffersAtPeakSmall: number[] = [];
  const cpu: number[] = [];
  const eld: number[] = [];
  const passes: PassResult[] = [];
  const naive: number[] = [];
  const naiveRss: number[] = [];
  const naiveRatio: number[] = [];
  for (let rep = 1; rep <= options.runs; rep++) {
    ctx.progress(`big file ${rep}/${options.runs}: raw download`);
    const link = await dcs.getDownloadLink(bigInstance.id, bigLog.id);
    const got = await runWorker(ctx.root, 'raw-download.ts', [link]);
    if (got.bytes !== bigBytes) throw new Error(`raw download read ${got.bytes} of ${bigBytes} bytes`);
    const dl = got.bytes / MiB / (got.ms / 1000);

    ctx.progress(`big file ${rep}/${options.runs}: raw upload`);
    const job: UploadJob = {
      endpoint: ctx.bucket.swift.endpoint,
      bucket: ctx.bucket.bucket,
      key: `${ctx.runPrefix}baseline/raw-upload-${rep}`,
      size: bigBytes,
      seed: bigLog.seed,
      date: bigLog.date,
      partSize,
      queueSize: ARCHIVE_DEFAULTS.queueSize,
      maxSockets: ARCHIVE_DEFAULTS.concurrency * 2,
    };
    const put = await runWorker(ctx.root, 'raw-upload.ts', [JSON.stringify(job)], {
      AWS_ACCESS_KEY_ID: setup.bucket.accessKeyId,
      AWS_SECRET_ACCESS_KEY: setup.bucket.secretAccessKey,
    });
    const ul = put.bytes / MiB / (put.ms / 1000);

    ctx.progress(`big file ${rep}/${options.runs}: raw pipe (download straight into the upload)`);
    const piped = await runWorker(ctx.root, 'raw-pipe.ts', [JSON.stringify({ ...job, key: `${ctx.runPrefix}baseline/raw-pipe-${rep}`, link: await dcs.getDownloadLink(bigInstance.id, bigLog.id) })], {
      AWS_ACCESS_KEY_ID: setup.bucket.accessKeyId,
      AWS_SECRET_ACCESS_KEY: setup.bucket.secretAccessKey,
    });
    const pipeMiBps = piped.bytes / MiB / (piped.ms / 1000);

    const naiveCopy = async () => {
      ctx.progress(`big file ${rep}/${options.runs}: naive copy (link call, GET, lib-storage Upload of 8 MiB parts, queueSize 4)`);
      const result = await runWorker(ctx.root, 'naive-copy.mjs', [JSON.stringify({ ...job, key: `${ctx.runPrefix}baseline/naive-${rep}`, dcs: { endpoint: sim.sim.endpoint, projectId: sim.projectId, instanceId: bigInstance.id, logId: bigLog.id } })], {
        HUAWEICLOUD_SDK_AK: sim.ak,
        HUAWEICLOUD_SDK_SK: sim.sk,
        AWS_ACCESS_KEY_ID: setup.bucket.accessKeyId,
        AWS_SECRET_ACCESS_KEY: setup.bucket.secretAccessKey,
      });
      if (result.maxRssBytes === undefined) throw new Error('the naive copy reported no peak RSS');
      return result;
    };
    const archivePass = () => {
      ctx.progress(`big file ${rep}/${options.runs}: archive pass${passPartSizeMiB ? ` (${passPartSizeMiB} MiB parts)` : ' (defaults)'}`);
      return runArchiver(setup, {
        label: `big-file ${rep}`,
        instances: [bigInstance.id],
        prefix: `${ctx.runPrefix}big/${rep}/`,
        ...(passPartSizeMiB ? { partSizeMiB: passPartSizeMiB } : {}),
      });
    };
    // Alternated, the order swapped every run: a machine that slows down favours neither.
    let naiveRun: Awaited<ReturnType<typeof naiveCopy>>;
    let pass: PassResult;
    if (rep % 2 === 1) {
      naiveRun = await naiveCopy();
      pass = await archivePass();
    } else {
      pass = await archivePass();
      naiveRun = await naiveCopy();
    }
    if (pass.archived !== 1 || pass.bytes !== bigBytes) throw new Error(`big-file pass archived ${pass.archived} file(s), ${pass.bytes} bytes`);
    ctx.progress(`big file ${rep}/${options.runs}: archive pass (small file)`);
    const smallPass = await runArchiver(setup, {
      label: `big-file-small ${rep}`,
      instances: [small.instances[0]!.id],
      prefix: `${ctx.runPrefix}big-small/${rep}/`,
      ...(passPartSizeMiB ? { partSizeMiB: passPartSizeMiB } : {}),
    });
    passes.push(pass, smallPass);

    const mibps = bigBytes / MiB / (pass.fileMs[0]! / 1000);
    const naiveMiBps = naiveRun.bytes / MiB / (naiveRun.ms / 1000);
    naive.push(naiveMiBps);
    naiveRss.push(naiveRun.maxRssBytes!);
    naiveRatio.push(mibps / naiveMiBps);
    download.push(dl);
    upload.push(ul);
    archive.push(mibps);
    endToEnd.push(bigBytes / MiB / (pass.wallMs / 1000));
    ratio.push(mibps / Math.min(dl, ul));
    pipe.push(pipeMiBps);
    pipeCpu.push(piped.cpuS / (bigBytes / GiB));
    uploadCpu.push(put.cpuS / (bigBytes / GiB));
    pipeRatio.push(mibps / pipeMiBps);
    rss.push(pass.maxRssBytes);
    rssSmall.push(smallPass.maxRssBytes);
    heapAtPeak.push(pass.atPeak.heapTotal);
    heapAtPeakSmall.push(smallPass.atPeak.heapTotal);
    buffersAtPeak.push(pass.atPeak.arrayBuffers);
    buffersAtPeakSmall.push(smallPass.atPeak.arrayBuffers);
    cpu.push((pass.cpuUserS + pass.cpuSystemS) / (bigBytes / GiB));
    eld.push(pass.eventLoopDelayMs.p99);
  }
  return {
    bytes: bigBytes,
    partSizeMiB,
    passPartSizeMiB,
    smallBytes: smallBigBytes,
    concurrency: ARCHIVE_DEFAULTS.concurrency,
    naiveMiBps: figure(naive, 'MiB/s'),
    naivePeakRss: figure(naiveRss, 'bytes'),
    naiveRatio: figure(naiveRatio, 'x'),
    downloadMiBps: figure(download, 'MiB/s'),
    uploadMiBps: figure(upload, 'MiB/s'),
    archiveMiBps: figure(archive, 'MiB/s'),
    archiveEndToEndMiBps: figure(endToEnd, 'MiB/s'),
    ratio: figure(ratio, 'x'),
    pipeMiBps: figure(pipe, 'MiB/s'),
    pipeRatio: figure(pipeRatio, 'x'),
    pipeCpuSecondsPerGiB: figure(pipeCpu, 's/GiB'),
    uploadCpuSecondsPerGiB: figure(uploadCpu, 's/GiB'),
    peakRss: figure(rss, 'bytes'),
    peakRssSmall: figure(rssSmall, 'bytes'),
    heapAtPeak: figure(heapAtPeak, 'bytes'),
    heapAtPeakSmall: figure(heapAtPeakSmall, 'bytes'),
    buffersAtPeak: figure(buffersAtPeak, 'bytes'),
    buffersAtPeakSmall: figure(buffersAtPeakSmall, 'bytes'),
    cpuSecondsPerGiB: figure(cpu, 's/GiB'),
    eventLoopDelayP99Ms: figure(eld, 'ms'),
    passes,
  };
}
