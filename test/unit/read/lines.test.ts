import { describe, expect, it } from 'vitest';
import { LineSplitter } from '../../../src/read/lines.js';

function split(chunks: string[]) {
  const out: Array<[string, number, boolean]> = [];
  const splitter = new LineSplitter((line, number, terminated) => out.push([line.toString('utf8'), number, terminated]));
  for (const chunk of chunks) splitter.push(Buffer.from(chunk));
  splitter.end();
  return out;
}

describe('LineSplitter', () => {
  it('numbers lines from 1 and keeps the newline out of them', () => {
    expect(split(['a\nb\n'])).toEqual([['a', 1, true], ['b', 2, true]]);
  });

  it('joins a line cut across chunks, however many', () => {
    expect(split(['ab', 'c', 'd\ne', 'f\n'])).toEqual([['abcd', 1, true], ['ef', 2, true]]);
  });

  it('hands on the bytes after the last newline as a last, unterminated line, as grep does', () => {
    expect(split(['a\nlast'])).toEqual([['a', 1, true], ['last', 2, false]]);
  });

  it('keeps empty lines and gives an empty input no line', () => {
    expect(split(['\n\nx\n'])).toEqual([['', 1, true], ['', 2, true], ['x', 3, true]]);
    expect(split([])).toEqual([]);
    expect(split([''])).toEqual([]);
  });

  it('does not keep a view of the chunk for the tail it carries', () => {
    const chunk = Buffer.from('a\ntail');
    const out: string[] = [];
    const splitter = new LineSplitter((line) => out.push(line.toString()));
    splitter.push(chunk);
    chunk.fill(0x3f);
    splitter.end();
    expect(out).toEqual(['a', 'tail']);
  });
});
