import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/errors.js';
import { dayInWindow, lineWindow, parseWindow } from '../../../src/read/window.js';

const lines = (text: string) => text.split('\n').map((line) => Buffer.from(line));

describe('parseWindow', () => {
  it('takes --date as one whole day and sets no line bounds', () => {
    expect(parseWindow({ date: '2026-11-14' })).toEqual({ fromDate: '2026-11-14', toDate: '2026-11-14' });
  });

  it('takes days as inclusive at both ends, with no line bounds', () => {
    expect(parseWindow({ since: '2026-11-14', until: '2026-11-16' })).toEqual({ fromDate: '2026-11-14', toDate: '2026-11-16' });
  });

  it('turns a time into line bounds; a day as --until then runs to the end of that day', () => {
    expect(parseWindow({ since: '2026-11-14T02:00', until: '2026-11-15' })).toEqual({
      fromDate: '2026-11-14',
      toDate: '2026-11-15',
      sinceMs: Date.UTC(2026, 10, 14, 2),
      untilMs: Date.UTC(2026, 10, 16),
    });
    expect(parseWindow({ until: '2026-11-14 03:00:30Z' })).toEqual({ toDate: '2026-11-14', untilMs: Date.UTC(2026, 10, 14, 3, 0, 30) });
  });

  it.each([
    [{ date: '14.11.2026' }, '--date'],
    [{ date: '2026-11-14T02:00' }, '--date'],
    [{ date: '2026-11-14', since: '2026-11-13' }, '--date'],
    [{ since: '2026-02-30' }, '--since'],
    [{ since: '2026-11-14T24:00' }, '--since'],
    [{ until: 'yesterday' }, '--until'],
    [{ since: '2026-11-14T03:00', until: '2026-11-14T02:00' }, '--until'],
  ])('refuses %j, naming %s and what is allowed', (flags, flag) => {
    try {
      parseWindow(flags);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).path).toBe(flag);
      expect((error as ConfigError).message).toMatch(/allowed/);
    }
  });
});

describe('dayInWindow', () => {
  it('keeps days between the bounds, both included', () => {
    const window = { fromDate: '2026-11-14', toDate: '2026-11-15' };
    expect(['2026-11-13', '2026-11-14', '2026-11-15', '2026-11-16'].map((d) => dayInWindow(window, d))).toEqual([false, true, true, false]);
    expect(dayInWindow({}, '1999-01-01')).toBe(true);
  });
});

describe('lineWindow', () => {
  const day = lines(
    [
      '                _._  (a banner before the first line)',
      '1:M 14 Nov 2026 01:59:59.999 * before',
      '1:M 14 Nov 2026 02:00:00.000 * first inside',
      'a continuation of the line above',
      '1:M 14 Nov 2026 02:59:59.999 # last inside',
      '1:M 14 Nov 2026 03:00:00.000 * at the end: outside',
      'a continuation of the line above',
    ].join('\n'),
  );

  it('keeps the lines in [since, until), and lines that do not parse share the last parsed line\'s fate', () => {
    const keep = lineWindow({ sinceMs: Date.UTC(2026, 10, 14, 2), untilMs: Date.UTC(2026, 10, 14, 3) }, '2026-11-14');
    expect(day.filter((line) => keep(line)).map(String)).toEqual(['1:M 14 Nov 2026 02:00:00.000 * first inside', 'a continuation of the line above', '1:M 14 Nov 2026 02:59:59.999 # last inside']);
  });

  it('gives lines before the first parsed one the fate of the file\'s midnight', () => {
    const fromMidnight = lineWindow({ untilMs: Date.UTC(2026, 10, 14, 2) }, '2026-11-14');
    expect(day.filter((line) => fromMidnight(line)).map(String)).toEqual([String(day[0]), '1:M 14 Nov 2026 01:59:59.999 * before']);
  });

  it('reads 2.x lines, which carry no year, with the year of the file', () => {
    const keep = lineWindow({ sinceMs: Date.UTC(2026, 10, 14, 2) }, '2026-11-14');
    expect(keep(Buffer.from('[42] 14 Nov 01:00:00.000 * old'))).toBe(false);
    expect(keep(Buffer.from('[42] 14 Nov 02:00:00.000 * old'))).toBe(true);
  });

  it('keeps every line when no bound carries a time', () => {
    const keep = lineWindow({ fromDate: '2026-11-14' }, '2026-11-14');
    expect(day.every((line) => keep(line))).toBe(true);
  });
});
