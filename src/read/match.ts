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
   * `test` accepts: the bytes of a fixed string, those of each alternative of a pattern that is
   * ASCII text alternatives alone (`a|b`), or the pattern with `g` and `m` (`^` and `$` at line
   * ends). Undefined for patterns with lookarounds, which could see past a line's end.
   */
  block?: { kind: 'bytes'; needle: Buffer } | { kind: 'needles'; needles: Buffer[] } | { kind: 'regex'; regex: RegExp };
}

/**
 * The alternatives of a pattern made of plain ASCII text alone (`MASTER MODE enabled|Failover
 * election won`), or undefined. A line matches it exactly when its bytes hold one of them: ASCII
 * bytes, and only those, decode to ASCII characters. Searched as bytes, the block needs no
 * decoding and no expression, which is most of a search's time.
 */
function literalAlternatives(source: string): string[] | undefined {
  const alternatives = source.split('|');
  return alternatives.every((text) => /^[\x20-\x7e]+$/.test(text) && !/[\\^$.*+?()[\]{}]/.test(text)) ? alternatives : undefined;
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
  const literals = ignoreCase ? undefined : literalAlternatives(source);
  const block: LineMatcher['block'] = literals
    ? { kind: 'needles', needles: literals.map((text) => Buffer.from(text, 'latin1')) }
    : lookaround
      ? undefined
      : { kind: 'regex', regex: new RegExp(source, `${ignoreCase ? 'i' : ''}gm`) };
  return { test: (line) => regex.test(line), ...(block ? { block } : {}) };
}
