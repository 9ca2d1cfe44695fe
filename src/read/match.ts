/**
 * `search PATTERN`: a JavaScript regular expression (the syntax of `grep -E`, plus `\d`, `\b`,
 * lookarounds), or with `--fixed-strings` the text itself; `--ignore-case` for both. A line
 * matches when the pattern is found anywhere in it, as grep has it.
 */
import { ConfigError } from '../errors.js';

export interface MatchOptions {
  fixedStrings: boolean;
  ignoreCase: boolean;
}

export interface LineMatcher {
  /** Whether one line (without its newline) matches. */
  test(line: string): boolean;
  /**
   * How to find candidate lines in a block of whole lines at once, when that finds every line
   * `test` accepts: the bytes of a fixed string, or the pattern with `g` and `m` (`^` and `$` at
   * line ends). Undefined for patterns with lookarounds, which could see past a line's end.
   */
  block?: { kind: 'bytes'; needle: Buffer } | { kind: 'regex'; regex: RegExp };
}

export function compileMatcher(pattern: string, { fixedStrings, ignoreCase }: MatchOptions): LineMatcher {
  if (fixedStrings && !ignoreCase) {
    return { test: (line) => line.includes(pattern), ...(pattern === '' ? {} : { block: { kind: 'bytes', needle: Buffer.from(pattern, 'utf8') } }) };
  }
  const source = fixedStrings ? pattern.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&') : pattern;
  let regex: RegExp;
  try {
    // No `g`: test() would then carry lastIndex from one line to the next.
    regex = new RegExp(source, ignoreCase ? 'i' : '');
  } catch (error) {
    throw new ConfigError('PATTERN', `${JSON.stringify(pattern)} is not a valid regular expression (${(error as Error).message}); allowed: a JavaScript regular expression, or --fixed-strings to search for the text as it is`);
  }
  const lookaround = /\(\?<?[=!]/.test(source);
  return {
    test: (line) => regex.test(line),
    ...(lookaround ? {} : { block: { kind: 'regex', regex: new RegExp(source, `${ignoreCase ? 'i' : ''}gm`) } }),
  };
}
