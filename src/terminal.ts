/** A stream the status line can be drawn on: a terminal says so, and how wide it is. */
export type TerminalStream = NodeJS.WritableStream & { isTTY?: boolean; columns?: number };

/**
 * The one writer of the terminal's last line. Log lines and the live status share one screen
 * (stdout and stderr are usually the same terminal), so a log line written while the status is
 * drawn would land glued onto it. Every log line therefore comes through here: the status is
 * wiped, the line written, and the status drawn again below it.
 *
 * Plain ANSI (carriage return, erase line) rather than a library such as log-update: the status
 * is one line, and the part that matters, interleaving it with another writer's lines, is what
 * such libraries leave to the caller.
 */
export interface Terminal {
  /** Whether a status line is drawn at all (a terminal, and human-readable output). */
  readonly live: boolean;
  /** Writes `text` (whole lines) to `to`, with the status line out of its way. */
  write(to: TerminalStream, text: string): void;
  /** Draws the status line in place of the previous one; nothing when not live. */
  status(text: string): void;
  /** Wipes the status line; the next `status` draws it again. */
  clear(): void;
}

/** Carriage return, then erase the whole line: the cursor stays at its start. */
const WIPE = '\r\x1b[2K';

export function createTerminal(stream: TerminalStream, { live }: { live: boolean }): Terminal {
  let shown: string | undefined;
  return {
    live,
    write(to, text) {
      if (shown === undefined) {
        to.write(text);
      } else if (to === stream) {
        // One write, so nothing else can come between the wipe and the redraw.
        stream.write(`${WIPE}${text}${shown}`);
      } else if (to.isTTY === true) {
        stream.write(WIPE);
        to.write(text);
        stream.write(shown);
      } else {
        // Another destination than the screen (a file, a pipe): the status is not in its way.
        to.write(text);
      }
    },
    status(text) {
      if (!live) return;
      shown = fit(text, stream.columns);
      stream.write(`${WIPE}${shown}`);
    },
    clear() {
      if (shown === undefined) return;
      shown = undefined;
      stream.write(WIPE);
    },
  };
}

/**
 * One line, narrower than the terminal: a line that wraps cannot be wiped by returning to its
 * start, and the last column would make some terminals wrap already.
 */
export function fit(text: string, columns: number | undefined): string {
  const line = text.replace(/[\r\n]+/g, ' ');
  const width = columns !== undefined && columns > 1 ? columns - 1 : Number.POSITIVE_INFINITY;
  const chars = [...line];
  return chars.length <= width ? line : `${chars.slice(0, Math.max(0, width - 1)).join('')}…`;
}
