/** What an upload baseline is told to do, read from its argument; it refuses anything but a full job aimed at loopback. */
export interface UploadJob {
  endpoint: string;
  bucket: string;
  key: string;
  size: number;
  seed: number;
  date: string;
  partSize: number;
  queueSize: number;
  maxSockets: number;
}

export function readJob<T extends UploadJob>(argument: string | undefined, usage: string): T {
  const job = JSON.parse(argument ?? '{}') as Partial<T>;
  const host = (() => {
    try {
      return new URL(job.endpoint ?? '').hostname;
    } catch {
      return '';
    }
  })();
  if (!job.bucket || !job.key || typeof job.size !== 'number' || !/^(127\.\d+\.\d+\.\d+|localhost|\[::1\])$/.test(host)) {
    throw new Error(`usage: ${usage} (a whole job, whose endpoint is a loopback address: the bench talks to this machine only)`);
  }
  return job as T;
}
