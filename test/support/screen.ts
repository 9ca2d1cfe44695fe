/**
 * What a terminal shows for the bytes written to it, for the few controls the CLI uses: a
 * carriage return, a line feed and "erase line" (colours are dropped). Enough to tell a line
 * drawn in place from one glued onto the next.
 */
export class Screen {
  readonly lines: string[] = [''];
  private column = 0;

  /** A stream that writes onto this screen, as a terminal (isTTY) of `columns` columns. */
  stream(columns = 80): NodeJS.WritableStream & { isTTY: true; columns: number } {
    return { isTTY: true, columns, write: (chunk: string | Uint8Array) => (this.put(chunk.toString()), true) } as unknown as NodeJS.WritableStream & { isTTY: true; columns: number };
  }

  put(text: string): void {
    // eslint-disable-next-line no-control-regex
    const tokens = text.match(/\x1b\[[0-9;]*[A-Za-z]|\r|\n|[^\x1b\r\n]+/g) ?? [];
    for (const token of tokens) {
      const row = this.lines.length - 1;
      if (token === '\r') this.column = 0;
      else if (token === '\n') {
        this.lines.push('');
        this.column = 0;
      } else if (token === '\x1b[2K') this.lines[row] = '';
      else if (token.startsWith('\x1b[')) continue;
      else {
        const line = this.lines[row]!.padEnd(this.column, ' ');
        this.lines[row] = line.slice(0, this.column) + token + line.slice(this.column + token.length);
        this.column += token.length;
      }
    }
  }
}
