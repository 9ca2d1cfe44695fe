import { describe, expect, it } from 'vitest';
import { ArchiveError } from '../../../src/errors.js';
import { assertSafeKey, assertSafePrefix, compareKeys, normalizeBasePrefix } from '../../../src/store/key-safety.js';

describe('store keys', () => {
  it.each(['a', 'i-1/2025-01-02/redis_192.168.0.1_2025-01-02.log', 'records/x.json', 'a..b/c', '..a', 'ü/日本'])('accepts the key %j', (key) => {
    expect(() => assertSafeKey(key)).not.toThrow();
  });

  it.each(['', '..', '../a', 'a/..', 'a/../b', '.', './a', '/a', 'a\\b', 'a//b', 'a/', 'a\u0000', 'a\nb', 'a\u007fb', 'a\u001bb'])(
    'refuses the key %j',
    (key) => {
      expect(() => assertSafeKey(key)).toThrow(ArchiveError);
    },
  );

  it('accepts listing prefixes that end in "/" or part-way through a segment, and the empty one', () => {
    for (const prefix of ['', 'records/', 'records/i-1', 'a/b/']) expect(() => assertSafePrefix(prefix)).not.toThrow();
    for (const prefix of ['/', '../', 'a//', 'a/../']) expect(() => assertSafePrefix(prefix)).toThrow(ArchiveError);
  });

  it('gives the destination prefix one trailing slash and refuses one that climbs out', () => {
    expect(normalizeBasePrefix('')).toBe('');
    expect(normalizeBasePrefix('dcs-runlogs')).toBe('dcs-runlogs/');
    expect(normalizeBasePrefix('a/b/')).toBe('a/b/');
    expect(() => normalizeBasePrefix('../x')).toThrow(expect.objectContaining({ kind: 'fatal' }));
    expect(() => normalizeBasePrefix('/abs/')).toThrow(ArchiveError);
  });

  it('orders keys by their UTF-8 bytes, as S3 lists them', () => {
    // Above U+FFFF the two orders part: U+10000 is a surrogate pair (0xD800...) in UTF-16, below U+E000.
    const keys = ['\u{10000}', '\uE000', 'a/b', 'a-b', 'a0'];
    expect([...keys].sort(compareKeys)).toEqual(['a-b', 'a/b', 'a0', '\uE000', '\u{10000}']);
    expect(['\u{10000}', '\uE000'].sort()).toEqual(['\u{10000}', '\uE000']); // what plain sort would do
  });
});
