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
