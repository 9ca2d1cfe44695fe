import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/errors.js';
import { compileMatcher } from '../../../src/read/match.js';

const LINES = ['1:M 14 Nov 2026 02:00:00.000 * Background saving started by pid 42', '1:S 14 Nov 2026 02:00:01.000 # MASTER MODE enabled', 'a.b (x) [y]', ''];
const matching = (pattern: string, options = {}) => LINES.filter((line) => compileMatcher(pattern, { fixedStrings: false, ignoreCase: false, ...options }).test(line));

describe('compileMatcher', () => {
  it('matches a regular expression anywhere in the line', () => {
    expect(matching('saving|MASTER')).toEqual([LINES[0], LINES[1]]);
    expect(matching('^1:S')).toEqual([LINES[1]]);
    expect(matching('pid \\d+$')).toEqual([LINES[0]]);
  });

  it('takes the pattern as plain text with fixedStrings', () => {
    expect(matching('a.b (x) [y]', { fixedStrings: true })).toEqual([LINES[2]]);
    expect(matching('.', { fixedStrings: true })).toEqual([LINES[0], LINES[1], LINES[2]]);
  });

  it('ignores case on request, for both kinds', () => {
    expect(matching('master mode')).toEqual([]);
    expect(matching('master mode', { ignoreCase: true })).toEqual([LINES[1]]);
    expect(matching('A.B (X)', { ignoreCase: true, fixedStrings: true })).toEqual([LINES[2]]);
  });

  it('matches every line, the empty one too, with an empty pattern', () => {
    expect(matching('')).toEqual(LINES);
  });

  it('does not carry state from one line to the next', () => {
    const match = compileMatcher('saving', { fixedStrings: false, ignoreCase: true });
    expect([match.test(LINES[0]!), match.test(LINES[0]!), match.test(LINES[0]!)]).toEqual([true, true, true]);
  });

  it('offers a block search except for lookarounds, which could look past a line', () => {
    const options = { fixedStrings: false, ignoreCase: false };
    expect(compileMatcher('MASTER', { ...options, fixedStrings: true }).block).toEqual({ kind: 'bytes', needle: Buffer.from('MASTER') });
    expect(compileMatcher('a.b|c', options).block?.kind).toBe('regex');
    expect(compileMatcher('(?<!x)foo', options).block).toBeUndefined();
    expect(compileMatcher('foo(?=bar)', options).block).toBeUndefined();
  });

  it('searches a pattern of plain ASCII alternatives as the bytes of each, and anything else as an expression', () => {
    const options = { fixedStrings: false, ignoreCase: false };
    expect(compileMatcher('MASTER MODE enabled|Failover election won', options).block).toEqual({ kind: 'needles', needles: [Buffer.from('MASTER MODE enabled'), Buffer.from('Failover election won')] });
    expect(compileMatcher('Background saving', options).block).toEqual({ kind: 'needles', needles: [Buffer.from('Background saving')] });
    for (const pattern of ['a|', '|a', 'a||b', 'café|b', 'a\\.b|c', 'a{2}|b', '(a)|b', 'a|[b]', 'x$|y', '^x|y', 'a+|b', 'a\tb|c']) {
      expect(compileMatcher(pattern, options).block?.kind, pattern).toBe('regex');
    }
    expect(compileMatcher('a|b', { ...options, ignoreCase: true }).block?.kind).toBe('regex');
  });

  it('refuses an invalid regular expression, naming PATTERN and the way out', () => {
    expect(() => compileMatcher('(unclosed', { fixedStrings: false, ignoreCase: false })).toThrow(ConfigError);
    expect(() => compileMatcher('(unclosed', { fixedStrings: false, ignoreCase: false })).toThrow(/PATTERN|--fixed-strings/);
    expect(() => compileMatcher('(unclosed', { fixedStrings: true, ignoreCase: false })).not.toThrow();
  });
});
