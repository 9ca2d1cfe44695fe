/**
 * The bytes of a simulated run log. Any size, from 0 B to many GiB, must stream fast and never
 * sit in memory, and every byte must be reproducible (for hashes and Range). So each (seed, date)
 * gets one ~1 MiB template of realistic Redis server log lines covering that day, and byte `o` of a
 * log is `template[o % template.length]`. A shorter log of the same seed is a prefix of a longer
 * one, like today's file growing between collections.
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { intBetween, mulberry32, pick, type Prng } from './prng.js';

const TEMPLATE_TARGET_BYTES = 1024 * 1024;
/** Slices handed to sockets and hashes; large enough for throughput, small enough for pacing. */
export const CHUNK_BYTES = 64 * 1024;
const CACHED_TEMPLATES = 8;

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** One line before its timestamp: role char, pid, level char (`.` debug, `-` verbose, `*` notice, `#` warning), text. */
type Line = [role: string, pid: number, level: string, text: string];

interface Actors {
  pid: number;
  role: 'M' | 'S';
  random: Prng;
  nextChild: () => number;
  peerIp: () => string;
  epoch: { value: number };
}

function clientInfo(a: Actors, id: number, cmd: string): string {
  return `id=${id} addr=${a.peerIp()}:${intBetween(a.random, 30000, 65000)} laddr=192.168.0.2:6379 fd=8 name= age=0 idle=0 flags=N db=0 sub=0 psub=0 ssub=0 multi=-1 qbuf=36 qbuf-free=20438 argv-mem=14 multi-mem=0 rbs=16384 rbp=16384 obl=0 oll=0 omem=0 tot-mem=37670 events=r cmd=${cmd} user=default redir=-1 resp=2`;
}

function cow(a: Actors): string {
  const peak = intBetween(a.random, 0, 12);
  return `current ${intBetween(a.random, 0, peak)} MB, peak ${peak} MB, average ${intBetween(a.random, 0, peak)} MB`;
}

/**
 * Sequences Redis 7.0 really writes (the wording of redis-server 7.0.15, as the contract tests
 * capture it), so the text reads like an incident timeline, not noise, and the events the
 * archiver counts in it are the ones a real server's log would show.
 */
const EPISODES: Array<{ weight: number; lines: (a: Actors) => Line[] }> = [
  {
    weight: 30,
    lines: (a) => {
      const child = a.nextChild();
      const changes = pick(a.random, [1, 10, 100, 10000]);
      const seconds = pick(a.random, [60, 300, 900]);
      return [
        [a.role, a.pid, '*', `${changes} changes in ${seconds} seconds. Saving...`],
        [a.role, a.pid, '*', `Background saving started by pid ${child}`],
        ['C', child, '*', 'DB saved on disk'],
        ['C', child, '*', `Fork CoW for RDB: ${cow(a)}`],
        [a.role, a.pid, '*', 'Background saving terminated with success'],
      ];
    },
  },
  {
    weight: 14,
    lines: (a) => {
      const child = a.nextChild();
      const generation = intBetween(a.random, 2, 400);
      return [
        [a.role, a.pid, '*', `Background append only file rewriting started by pid ${child}`],
        [a.role, a.pid, '*', `Creating AOF incr file appendonly.aof.${generation}.incr.aof on background rewrite`],
        ['C', child, '*', `Successfully created the temporary AOF base file temp-rewriteaof-bg-${child}.aof`],
        ['C', child, '*', `Fork CoW for AOF rewrite: ${cow(a)}`],
        [a.role, a.pid, '*', 'Background AOF rewrite terminated with success'],
        [a.role, a.pid, '*', `Successfully renamed the temporary AOF base file temp-rewriteaof-bg-${child}.aof into appendonly.aof.${generation}.base.rdb`],
        [a.role, a.pid, '*', `Removing the history file appendonly.aof.${generation - 1}.incr.aof in the background`],
        [a.role, a.pid, '*', `Removing the history file appendonly.aof.${generation - 1}.base.rdb in the background`],
        [a.role, a.pid, '*', 'Background AOF rewrite finished successfully'],
      ];
    },
  },
  {
    weight: 10,
    lines: (a) => [
      [a.role, a.pid, '-', `Accepted ${a.peerIp()}:${intBetween(a.random, 30000, 65000)}`],
      [a.role, a.pid, '-', `Client closed connection ${clientInfo(a, intBetween(a.random, 3, 900), 'quit')}`],
    ],
  },
  {
    weight: 8,
    lines: (a) => [
      [a.role, a.pid, '.', `DB 0: ${intBetween(a.random, 1000, 900000)} keys (${intBetween(a.random, 0, 900)} volatile) in ${pick(a.random, [16384, 32768, 65536])} slots HT.`],
      [a.role, a.pid, '-', `${intBetween(a.random, 1, 80)} clients connected (${intBetween(a.random, 0, 2)} replicas), ${intBetween(a.random, 2000000, 900000000)} bytes in use`],
    ],
  },
  {
    // A cluster replica takes over from a master that failed.
    weight: 3,
    lines: (a) => {
      a.epoch.value += 1;
      return [
        [a.role, a.pid, '#', 'Connection with master lost.'],
        [a.role, a.pid, '*', 'Caching the disconnected master state.'],
        [a.role, a.pid, '*', `FAIL message received from ${hex(a.random, 40)} about ${hex(a.random, 40)}`],
        [a.role, a.pid, '#', `Start of election delayed for ${intBetween(a.random, 500, 1500)} milliseconds (rank #0, offset ${intBetween(a.random, 1e6, 9e9)}).`],
        [a.role, a.pid, '#', `Starting a failover election for epoch ${a.epoch.value}.`],
        [a.role, a.pid, '#', `Failover election won for epoch ${a.epoch.value}.`],
        [a.role, a.pid, '#', `configEpoch set to ${a.epoch.value} after successful failover`],
        [a.role, a.pid, '*', 'Discarding previously cached master state.'],
        [a.role, a.pid, '#', `Setting secondary replication ID to ${hex(a.random, 40)}, valid up to offset: ${intBetween(a.random, 1e6, 9e9)}. New replication ID is ${hex(a.random, 40)}`],
        [a.role, a.pid, '*', 'Cluster state changed: ok'],
      ];
    },
  },
  {
    // A replica promoted by hand (REPLICAOF NO ONE).
    weight: 1,
    lines: (a) => [
      [a.role, a.pid, '*', 'Discarding previously cached master state.'],
      [a.role, a.pid, '#', `Setting secondary replication ID to ${hex(a.random, 40)}, valid up to offset: ${intBetween(a.random, 1e6, 9e9)}. New replication ID is ${hex(a.random, 40)}`],
      [a.role, a.pid, '*', `MASTER MODE enabled (user request from '${clientInfo(a, intBetween(a.random, 3, 900), 'replicaof')}')`],
    ],
  },
  {
    weight: 4,
    lines: (a) => {
      const master = a.peerIp();
      return [
        [a.role, a.pid, '*', `Connecting to MASTER ${master}:6379`],
        [a.role, a.pid, '*', 'MASTER <-> REPLICA sync started'],
        [a.role, a.pid, '*', 'Non blocking connect for SYNC fired the event.'],
        [a.role, a.pid, '*', 'Master replied to PING, replication can continue...'],
        [a.role, a.pid, '*', 'Partial resynchronization not possible (no cached master)'],
        [a.role, a.pid, '*', `Full resync from master: ${hex(a.random, 40)}:${intBetween(a.random, 0, 9e9)}`],
        [a.role, a.pid, '*', 'MASTER <-> REPLICA sync: receiving streamed RDB from master with EOF to disk'],
        [a.role, a.pid, '*', 'MASTER <-> REPLICA sync: Flushing old data'],
        [a.role, a.pid, '*', 'MASTER <-> REPLICA sync: Loading DB in memory'],
        [a.role, a.pid, '*', 'Loading RDB produced by version 7.0.15'],
        [a.role, a.pid, '*', 'RDB age 0 seconds'],
        [a.role, a.pid, '*', `RDB memory usage when created ${(a.random() * 900).toFixed(2)} Mb`],
        [a.role, a.pid, '*', `Done loading RDB, keys loaded: ${intBetween(a.random, 0, 900000)}, keys expired: 0.`],
        [a.role, a.pid, '*', 'MASTER <-> REPLICA sync: Finished with success'],
      ];
    },
  },
  {
    // A replica whose master does not answer: each retry is another sync that fails.
    weight: 1,
    lines: (a) => {
      const master = a.peerIp();
      return [
        [a.role, a.pid, '#', 'Connection with master lost.'],
        [a.role, a.pid, '*', 'Caching the disconnected master state.'],
        [a.role, a.pid, '*', `Connecting to MASTER ${master}:6379`],
        [a.role, a.pid, '*', 'MASTER <-> REPLICA sync started'],
        [a.role, a.pid, '#', 'Error condition on socket for SYNC: Connection refused'],
      ];
    },
  },
  {
    weight: 4,
    lines: (a) => {
      const replica = a.peerIp();
      const child = a.nextChild();
      return [
        [a.role, a.pid, '*', `Replica ${replica}:6379 asks for synchronization`],
        [a.role, a.pid, '*', `Full resync requested by replica ${replica}:6379`],
        [a.role, a.pid, '*', 'Starting BGSAVE for SYNC with target: disk'],
        [a.role, a.pid, '*', `Background saving started by pid ${child}`],
        ['C', child, '*', 'DB saved on disk'],
        ['C', child, '*', `Fork CoW for RDB: ${cow(a)}`],
        [a.role, a.pid, '*', 'Background saving terminated with success'],
        [a.role, a.pid, '*', `Synchronization with replica ${replica}:6379 succeeded`],
      ];
    },
  },
  {
    weight: 3,
    lines: (a) => {
      const limit = intBetween(a.random, 1, 8) * 1073741824;
      return [
        [a.role, a.pid, '#', `WARNING: the new maxmemory value set via CONFIG SET (${limit}) is smaller than the current memory usage (${limit + intBetween(a.random, 1, 1e8)}). This will result in key eviction and/or the inability to accept new write commands depending on the maxmemory-policy.`],
        [a.role, a.pid, '#', `Client ${clientInfo(a, intBetween(a.random, 3, 900), 'psubscribe')} scheduled to be closed ASAP for overcoming of output buffer limits.`],
      ];
    },
  },
  {
    // Redis logs no CONFIG SET; a CONFIG REWRITE it does.
    weight: 3,
    lines: (a) => [[a.role, a.pid, '#', 'CONFIG REWRITE executed with success.']],
  },
  {
    weight: 1,
    lines: (a) => [
      [a.role, a.pid, '#', 'Asynchronous AOF fsync is taking too long (disk is busy?). Writing the AOF buffer without waiting for fsync to complete, this may slow down Redis.'],
    ],
  },
  {
    weight: 1,
    lines: (a) => {
      const old = a.pid;
      a.pid = intBetween(a.random, 1, 32767);
      return [
        [a.role, old, '#', 'User requested shutdown...'],
        [a.role, old, '*', 'Saving the final RDB snapshot before exiting.'],
        [a.role, old, '*', 'DB saved on disk'],
        [a.role, old, '*', 'Removing the pid file.'],
        [a.role, old, '#', 'Redis is now ready to exit, bye bye...'],
        ['C', a.pid, '#', 'oO0OoO0OoO0Oo Redis is starting oO0OoO0OoO0Oo'],
        ['C', a.pid, '#', `Redis version=${pick(a.random, ['6.2.14', '7.0.15'])}, bits=64, commit=00000000, modified=0, pid=${a.pid}, just started`],
        ['C', a.pid, '#', 'Configuration loaded'],
        [a.role, a.pid, '*', 'monotonic clock: POSIX clock_gettime'],
        [a.role, a.pid, '*', `Running mode=${pick(a.random, ['standalone', 'cluster'])}, port=6379.`],
        [a.role, a.pid, '#', 'WARNING: The TCP backlog setting of 511 cannot be enforced because /proc/sys/net/core/somaxconn is set to the lower value of 128.'],
        [a.role, a.pid, '#', 'Server initialized'],
        [a.role, a.pid, '#', "WARNING Memory overcommit must be enabled! Without it, a background save or replication may fail under low memory condition. Being disabled, it can can also cause failures without low memory condition, see https://github.com/jemalloc/jemalloc/issues/1328. To fix this issue add 'vm.overcommit_memory = 1' to /etc/sysctl.conf and then reboot or run the command 'sysctl vm.overcommit_memory=1' for this to take effect."],
        [a.role, a.pid, '*', `DB loaded from disk: ${(a.random() * 20).toFixed(3)} seconds`],
        [a.role, a.pid, '*', 'Ready to accept connections'],
      ];
    },
  },
];

const TOTAL_WEIGHT = EPISODES.reduce((sum, e) => sum + e.weight, 0);

function hex(random: Prng, length: number): string {
  let out = '';
  while (out.length < length) out += Math.floor(random() * 16).toString(16);
  return out;
}

function pickEpisode(random: Prng): (a: Actors) => Line[] {
  let roll = random() * TOTAL_WEIGHT;
  for (const episode of EPISODES) {
    roll -= episode.weight;
    if (roll < 0) return episode.lines;
  }
  return EPISODES[0]!.lines;
}

function two(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

function clockTime(msOfDay: number): string {
  const ms = Math.floor(msOfDay);
  const milli = ms % 1000;
  return `${two(Math.floor(ms / 3_600_000))}:${two(Math.floor(ms / 60_000) % 60)}:${two(Math.floor(ms / 1000) % 60)}.${milli < 10 ? '00' : milli < 100 ? '0' : ''}${milli}`;
}

/** A line's bytes besides its pid and text: `:M 16 Apr 2021 10:00:01.123 * ` and the newline. */
const FIXED_LINE_BYTES = 31;

/** Builds a day of log text for (seed, date); lines are spread in time order across the whole day. */
export function buildTemplate(seed: number, date: string): Buffer {
  const random = mulberry32(seed);
  let child = intBetween(random, 1000, 30000);
  const actors: Actors = {
    pid: intBetween(random, 1, 32767),
    role: random() < 0.3 ? 'S' : 'M',
    random,
    // Wraps like Linux's default pid_max, so pids stay realistic however long the day.
    nextChild: () => (child = 300 + ((child - 300 + intBetween(random, 1, 400)) % 32_468)),
    peerIp: () => `192.168.${intBetween(random, 0, 15)}.${intBetween(random, 2, 250)}`,
    epoch: { value: intBetween(random, 1, 20) },
  };
  const lines: Line[] = [];
  let bound = 0;
  while (bound < TEMPLATE_TARGET_BYTES) {
    for (const line of pickEpisode(random)(actors)) {
      lines.push(line);
      bound += String(line[1]).length + line[3].length + FIXED_LINE_BYTES;
    }
  }
  const [y, m, d] = date.split('-');
  const day = ` ${d} ${MONTHS[Number(m) - 1] ?? 'Jan'} ${y} `;
  const spacing = 86_400_000 / lines.length;
  // Written straight into one buffer: joining ~13k strings costs more in garbage than in work.
  const out = Buffer.alloc(bound);
  let at = 0;
  lines.forEach(([role, pid, level, msg], i) => {
    at += out.write(`${pid}:${role}${day}${clockTime(i * spacing + random() * spacing * 0.9)} ${level} ${msg}\n`, at, 'latin1');
  });
  if (at !== bound) throw new Error(`sim: log template length ${at} differs from the ${bound} bytes planned`);
  return out;
}

const cache = new Map<string, Buffer>();

/** Cached by (seed, date); a few templates cover a test's working set. */
export function templateFor(seed: number, date: string): Buffer {
  const key = `${seed}:${date}`;
  const hit = cache.get(key);
  if (hit) {
    // Re-insert to keep the Map's order least-recently-used first.
    cache.delete(key);
    cache.set(key, hit);
    return hit;
  }
  const built = buildTemplate(seed, date);
  cache.set(key, built);
  if (cache.size > CACHED_TEMPLATES) cache.delete(cache.keys().next().value as string);
  return built;
}

/** A zero-copy view of up to `max` bytes starting at `offset`; shorter where the template wraps. */
export function sliceAt(template: Buffer, offset: number, max: number): Buffer {
  const at = offset % template.length;
  return template.subarray(at, Math.min(template.length, at + max));
}

/** Yields the bytes [start, end) of a log as template views of at most `chunkBytes`. */
export function* contentChunks(template: Buffer, start: number, end: number, chunkBytes = CHUNK_BYTES): Generator<Buffer> {
  let offset = start;
  while (offset < end) {
    const chunk = sliceAt(template, offset, Math.min(chunkBytes, end - offset));
    offset += chunk.length;
    yield chunk;
  }
}

/** The bytes [start, end) as a stream that honours backpressure. */
export function contentStream(template: Buffer, start: number, end: number): Readable {
  const chunks = contentChunks(template, start, end);
  return new Readable({
    read() {
      for (;;) {
        const next = chunks.next();
        if (next.done) {
          this.push(null);
          return;
        }
        if (!this.push(next.value)) return;
      }
    },
  });
}

/** Hex SHA-256 of [0, size); yields to the event loop now and then so multi-GiB hashes don't stall servers. */
export async function hashContent(template: Buffer, size: number): Promise<string> {
  const hash = createHash('sha256');
  let sinceYield = 0;
  for (const chunk of contentChunks(template, 0, size, 1024 * 1024)) {
    hash.update(chunk);
    sinceYield += chunk.length;
    if (sinceYield >= 64 * 1024 * 1024) {
      sinceYield = 0;
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
  return hash.digest('hex');
}
