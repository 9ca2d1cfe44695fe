import { describe, expect, it } from 'vitest';
import { parseLogLine } from '../../../src/redis-log/line.js';

describe('parseLogLine', () => {
  it('reads a 7.x line: pid, role, time, level and message', () => {
    expect(parseLogLine('12345:M 14 Nov 2026 02:00:01.123 * Background saving started by pid 6789', 2000)).toEqual({
      pid: 12345,
      role: 'M',
      timeMs: Date.UTC(2026, 10, 14, 2, 0, 1, 123),
      level: '*',
      message: 'Background saving started by pid 6789',
    });
  });

  it('reads a 3.x line without a year, taking the fallback year', () => {
    expect(parseLogLine('77:S 09 Jun 14:06:28.263 # Connection with master lost.', 2026)).toMatchObject({
      pid: 77,
      role: 'S',
      timeMs: Date.UTC(2026, 5, 9, 14, 6, 28, 263),
      level: '#',
    });
  });

  it('reads a 2.x line with its pid in brackets and no role', () => {
    const line = parseLogLine('[4012] 02 Dec 07:34:08.123 * Server started, Redis version 2.8.4', 2026);
    expect(line).toMatchObject({ pid: 4012, level: '*', message: 'Server started, Redis version 2.8.4' });
    expect(line?.role).toBeUndefined();
  });

  it('tolerates a carriage return at the end', () => {
    expect(parseLogLine('1:C 01 Jan 2026 00:00:00.000 # oO0OoO0OoO0Oo Redis is starting oO0OoO0OoO0Oo\r', 2000)?.message).toBe(
      'oO0OoO0OoO0Oo Redis is starting oO0OoO0OoO0Oo',
    );
  });

  it.each([
    ['an ASCII-art banner line', '                _._                                                  '],
    ['a line cut in the middle', 'ound saving started by pid 6789'],
    ['an unknown role', '1:Q 01 Jan 2026 00:00:00.000 * hello'],
    ['an unknown level', '1:M 01 Jan 2026 00:00:00.000 ! hello'],
    ['an unknown month', '1:M 01 Foo 2026 00:00:00.000 * hello'],
    ['an impossible day', '1:M 31 Feb 2026 00:00:00.000 * hello'],
    ['an empty line', ''],
  ])('returns undefined for %s', (_what, text) => {
    expect(parseLogLine(text, 2026)).toBeUndefined();
  });
});

describe('parseLogLine on signal-handler lines', () => {
  it('reads the pid and the Unix time of a line written from a signal handler', () => {
    expect(parseLogLine('8338:signal-handler (1796197096) Received SIGTERM scheduling shutdown...', 2000)).toEqual({
      pid: 8338,
      timeMs: 1796197096000,
      level: '#',
      message: 'Received SIGTERM scheduling shutdown...',
      signalHandler: true,
    });
  });

  it("gives the watchdog's first line an empty message (its report is on the next line)", () => {
    expect(parseLogLine('8338:signal-handler (1796197095) ', 2000)?.message).toBe('');
  });

  it.each([
    ['a clock with a letter in it', '1:M 01 Jan 2026 0a:00:00.000 * hello'],
    ['a missing space before the message', '1:M 01 Jan 2026 00:00:00.000 *hello'],
    ['a truncated clock', '1:M 01 Jan 2026 00:00'],
    ['a signal handler without its time', '1:signal-handler hello'],
    ['29 Feb of a common year', '1:M 29 Feb 2025 00:00:00.000 * hello'],
  ])('returns undefined for %s', (_what, text) => {
    expect(parseLogLine(text, 2026)).toBeUndefined();
  });

  it('takes 29 Feb of a leap year and keeps an empty message', () => {
    expect(parseLogLine('1:M 29 Feb 2024 23:59:59.999 * ', 2000)).toMatchObject({ timeMs: Date.UTC(2024, 1, 29, 23, 59, 59, 999), message: '' });
  });
});
