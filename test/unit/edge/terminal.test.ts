import { describe, expect, it } from 'vitest';
import { createTerminal, fit } from '../../../src/terminal.js';
import { Screen } from '../../support/screen.js';

describe('the terminal writer', () => {
  it('wipes the status line before a log line and draws it again below it', () => {
    const screen = new Screen();
    const stderr = screen.stream();
    const terminal = createTerminal(stderr, { live: true });
    terminal.status('1/3 files, 10 KiB at 5 KiB/s, 1 in flight');
    terminal.write(stderr, '[10:00:00] INFO: archived orders-cache a.log\n');
    terminal.status('2/3 files, 20 KiB at 5 KiB/s, 1 in flight');
    terminal.write(stderr, '[10:00:01] INFO: archived orders-cache b.log\n');
    expect(screen.lines).toEqual(['[10:00:00] INFO: archived orders-cache a.log', '[10:00:01] INFO: archived orders-cache b.log', '2/3 files, 20 KiB at 5 KiB/s, 1 in flight']);
  });

  it('keeps log lines written to the other stream of the same terminal off the status line', () => {
    const screen = new Screen();
    const terminal = createTerminal(screen.stream(), { live: true });
    const stdout = screen.stream();
    terminal.status('0/2 files, 0 B at 0 B/s, 2 in flight');
    terminal.write(stdout, 'INFO: pass finished\n');
    terminal.clear();
    expect(screen.lines).toEqual(['INFO: pass finished', '']);
  });

  it('writes lines bound for a pipe or a file untouched, and no status around them', () => {
    const screen = new Screen();
    const terminal = createTerminal(screen.stream(), { live: true });
    const piped: string[] = [];
    terminal.status('status');
    terminal.write({ write: (text: string) => piped.push(text) } as unknown as NodeJS.WritableStream, '{"msg":"archived"}\n');
    expect(piped).toEqual(['{"msg":"archived"}\n']);
    expect(screen.lines).toEqual(['status']);
  });

  it('draws nothing when it is not live, and passes lines through', () => {
    const screen = new Screen();
    const stderr = screen.stream();
    const terminal = createTerminal(stderr, { live: false });
    terminal.status('1/3 files');
    terminal.write(stderr, 'line\n');
    terminal.clear();
    expect(screen.lines).toEqual(['line', '']);
  });

  it('fits the status line into the terminal, so it never wraps', () => {
    expect(fit('0123456789', 8)).toBe('012345…');
    expect(fit('0123456789', 11)).toBe('0123456789');
    expect(fit('a\nb', undefined)).toBe('a b');
  });
});
