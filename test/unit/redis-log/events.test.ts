import { describe, expect, it } from 'vitest';
import { classifyLine, classifyMessage, classifyMessageBytes, EVENT_KINDS, eventOf, LogEventReader, type RedisEvent } from '../../../src/redis-log/events.js';
import { parseLogLine } from '../../../src/redis-log/line.js';
import { MAJORS } from './majors.js';

describe('classifyLine', () => {
  for (const [major, { year, lines }] of Object.entries(MAJORS)) {
    it.each(lines.map(([line, kind]) => [kind ?? 'no event', line, kind] as const))(`classifies a Redis ${major} line as %s: %s`, (_label, text, kind) => {
      const line = parseLogLine(text, year);
      expect(line, 'parses as a log line').toBeDefined();
      expect(classifyLine(line!)).toBe(kind);
    });
  }

  it('has a line of some major for every kind', () => {
    const seen = new Set(Object.values(MAJORS).flatMap(({ lines }) => lines.map(([, kind]) => kind)));
    expect(EVENT_KINDS.filter((kind) => !seen.has(kind))).toEqual([]);
  });

  it('takes a phrase for a warning only at warning level', () => {
    const text = '8:M 24 May 2026 03:25:13.411 LEVEL Asynchronous AOF fsync is taking too long (disk is busy?).';
    expect(classifyLine(parseLogLine(text.replace('LEVEL', '#'), 2026)!)).toBe('latency-warning');
    expect(classifyLine(parseLogLine(text.replace('LEVEL', '*'), 2026)!)).toBeUndefined();
  });

  it('lets a start win over a phrase: a fork that found no memory is a failed save', () => {
    expect(classifyLine(parseLogLine("1:M 01 Jan 2026 00:00:00.000 # Can't rewrite append only file in background: fork: Cannot allocate memory", 2026)!)).toBe('aof-rewrite-failed');
  });

  it('does not count a reconnection attempt as a role change', () => {
    expect(classifyLine(parseLogLine('8339:S 02 Dec 2026 07:38:16.198 * Connecting to MASTER 127.0.0.1:1', 2026)!)).toBeUndefined();
  });
});

describe('eventOf', () => {
  it('carries the kind, time, pid, role and message of the line', () => {
    expect(eventOf(parseLogLine('7116:M 02 Dec 2026 07:37:43.522 * Background saving started by pid 7137', 2000)!)).toEqual({
      kind: 'rdb-save-started',
      timeMs: Date.UTC(2026, 11, 2, 7, 37, 43, 522),
      pid: 7116,
      role: 'M',
      message: 'Background saving started by pid 7137',
    });
  });

  it('leaves the role out for a 2.x line', () => {
    expect(eventOf(parseLogLine('[13499] 12 May 19:30:01.003 * Background saving started by pid 13512', 2015)!)).not.toHaveProperty('role');
  });
});

describe('LogEventReader', () => {
  const read = (text: string, year = 2026): RedisEvent[] => {
    const reader = new LogEventReader(year);
    return text.split('\n').flatMap((line) => reader.read(line) ?? []);
  };

  it("reads the watchdog's report, whose message is on the line after the signal handler's", () => {
    // As redis-server 7.0.15 wrote it for DEBUG SLEEP 1 with watchdog-period 200.
    const log = [
      '8338:M 02 Dec 2026 07:38:13.682 * Synchronization with replica 127.0.0.1:17002 succeeded',
      '8338:signal-handler (1796197095) ',
      '--- WATCHDOG TIMER EXPIRED ---',
      '',
      '------ STACK TRACE ------',
      'EIP:',
      '/lib/x86_64-linux-gnu/libc.so.6(clock_nanosleep+0x65)[0x7fc5d7774545]',
      '8338:signal-handler (1796197095) --------',
      '',
      '8338:M 02 Dec 2026 07:38:15.420 * Background saving started by pid 8476',
    ].join('\n');
    expect(read(log)).toEqual([
      { kind: 'latency-warning', timeMs: 1796197095000, pid: 8338, message: '--- WATCHDOG TIMER EXPIRED ---' },
      expect.objectContaining({ kind: 'rdb-save-started', pid: 8338 }),
    ]);
  });

  it('reads a log line after an empty signal-handler line as itself', () => {
    expect(read('1:signal-handler (1796197095) \n1:M 02 Dec 2026 07:38:15.420 # Redis is now ready to exit, bye bye...').map((e) => e.kind)).toEqual(['shutdown']);
  });

  it('skips banners and cut lines between events, and takes a CRLF file as well', () => {
    const log = ['                _._                                                  ', 'ound saving started by pid 6789', '1:M 01 Jan 2026 00:00:01.000 # Server initialized', '1:M 01 Jan 2026 00:00:02.000 * Background saving started by pid 7'].join('\r\n');
    expect(read(log).map((e) => [e.kind, e.timeMs])).toEqual([['rdb-save-started', Date.UTC(2026, 0, 1, 0, 0, 2)]]);
  });
});

describe('classifyMessageBytes', () => {
  const messages = [
    'Asynchronous AOF fsync is taking too long (disk is busy?). Writing the AOF buffer without waiting for fsync to complete, this may slow down Redis.',
    'Redis 7.2.4 crashed by signal: 11, si_code: 0',
    '=== ASSERTION FAILED ===',
    'OOM command not allowed when used memory > maxmemory',
    "WARNING: OOM! can't allocate",
    'xOOM is no word match, nor OOMx, nor _OOM_',
    'OOM',
    'a line ending in OOM',
    'écrit: OOM€',
    'Out Of Memory allocating 1048576 bytes!',
    'Cannot allocate memory',
    'Client id=7 addr=127.0.0.1:5 scheduled to be closed ASAP for overcoming of output buffer limits.',
    'maxmemor',
    'Connection with master lost.',
    'Background saving error',
    'Starting a failover election for epoch 15.',
    '',
    'O',
  ];
  it.each(messages.flatMap((message) => ['#', '*', '-'].map((level) => [level, message] as const)))(
    'gives the bytes at level %s the kind the text gets: %s',
    (level, message) => {
      const bytes = Buffer.from(`pad ${message} pad`, 'utf8');
      const start = 4;
      const end = bytes.length - 4;
      expect(classifyMessageBytes(level.charCodeAt(0), bytes, start, end)).toBe(classifyMessage(level, message));
    },
  );

  it('finds a warning phrase in the bytes', () => {
    const text = Buffer.from('OOM command not allowed', 'latin1');
    expect(classifyMessageBytes(0x23, text, 0, text.length)).toBe('memory-warning');
    // A phrase cut by the message's end is no match, even when the buffer goes on.
    expect(classifyMessageBytes(0x23, Buffer.from('Cannot allocate memory'), 0, 12)).toBeUndefined();
  });
});
