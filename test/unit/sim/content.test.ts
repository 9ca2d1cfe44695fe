import { describe, expect, it } from 'vitest';
import { buildTemplate, contentChunks, hashContent, templateFor } from '../../../sim/content.js';
import { createHash } from 'node:crypto';

describe('simulated log content', () => {
  it('is the same bytes for the same seed and date, and different for another seed', () => {
    expect(buildTemplate(42, '2021-04-16').equals(buildTemplate(42, '2021-04-16'))).toBe(true);
    expect(buildTemplate(42, '2021-04-16').equals(buildTemplate(43, '2021-04-16'))).toBe(false);
  });

  it('reads like a Redis server log of the log’s date, one line per event, ending with a newline', () => {
    const text = templateFor(1, '2021-04-16').toString('utf8');
    const lines = text.split('\n');
    expect(lines.at(-1)).toBe('');
    for (const line of lines.slice(0, 200)) {
      expect(line).toMatch(/^\d+:[MSC] 16 Apr 2021 \d\d:\d\d:\d\d\.\d{3} [.\-*#] \S/);
    }
    expect(text).toContain('Background saving started by pid');
    expect(text).toContain('DB saved on disk');
    expect(text).toMatch(/# WARNING/);
    expect(text.length).toBeGreaterThan(1_000_000);
  });

  it('keeps lines in time order across the day', () => {
    const lines = templateFor(2, '2024-04-16').toString('utf8').trimEnd().split('\n');
    const times = lines.map((l) => / (\d\d:\d\d:\d\d\.\d{3}) /.exec(l)?.[1] ?? '');
    expect([...times].sort()).toEqual(times);
    expect(times[0]! < '00:01').toBe(true);
    expect(times.at(-1)! > '23:58').toBe(true);
  });

  it('has exactly the requested size, repeating the template beyond it', async () => {
    const template = templateFor(3, '2024-04-16');
    const size = template.length * 2 + 17;
    const chunks = [...contentChunks(template, 0, size)];
    const all = Buffer.concat(chunks);
    expect(all.length).toBe(size);
    expect(all.subarray(template.length, 2 * template.length).equals(template)).toBe(true);
    expect(await hashContent(template, size)).toBe(createHash('sha256').update(all).digest('hex'));
  });
});
