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

export type LineMatcher = (line: string) => boolean;

export function compileMatcher(pattern: string, { fixedStrings, ignoreCase }: MatchOptions): LineMatcher {
  if (fixedStrings && !ignoreCase) return (line) => line.includes(pattern);
  const source = fixedStrings ? pattern.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&') : pattern;
  let regex: RegExp;
  try {
    // No `g`: test() would then carry lastIndex from one line to the next.
    regex = new RegExp(source, ignoreCase ? 'i' : '');
  } catch (error) {
    throw new ConfigError('PATTERN', `${JSON.stringify(pattern)} is not a valid regular expression (${(error as Error).message}); allowed: a JavaScript regular expression, or --fixed-strings to search for the text as it is`);
  }
  return (line) => regex.test(line);
}
