import type { Config } from '../config/schema.js';
import { AbortedError, ConfigError, errorMessage, isStop } from '../errors.js';
import type { BucketStore } from '../store/store.js';
import { createStore } from './clients.js';
import type { CommandContext } from './command.js';

export interface Reader {
  config: Config;
  store: BucketStore;
  /** Aborts on SIGTERM/SIGINT, and when stdout is closed by its reader (`| head`). */
  signal: AbortSignal;
}

/**
 * What the read-back commands (logs, search, report) share: the configuration, a store built
 * with the bucket's credentials only (never DCS's; a missing directory is not created), a stop
 * on the first signal or a closed stdout, and the exit code of a failure the command did not
 * handle (`failed`). A usage error (ConfigError) is left to the CLI: exit 2.
 */
export async function withReader(ctx: CommandContext, failed: number, run: (reader: Reader) => Promise<number>): Promise<number> {
  const config = await ctx.loadConfig();
  const store = createStore(config, { createRoot: false });
  const stop = new AbortController();
  let signalName: string | undefined;
  let stdoutClosed = false;
  const onSignal = (name: string) => {
    signalName ??= name;
    stop.abort();
  };
  const onStdoutError = () => {
    stdoutClosed = true;
    stop.abort();
  };
  ctx.io.signals?.on('SIGTERM', onSignal);
  ctx.io.signals?.on('SIGINT', onSignal);
  ctx.io.stdout.on('error', onStdoutError);
  try {
    return await run({ config, store, signal: stop.signal });
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    // The reader of stdout went away: nothing more to say, as `grep | head` has it.
    if (stdoutClosed) return 0;
    if (signalName && (isStop(error) || error instanceof AbortedError || stop.signal.aborted)) return 128 + (signalName === 'SIGINT' ? 2 : 15);
    ctx.logger.error(`could not read ${store.location}: ${errorMessage(error)}`);
    return failed;
  } finally {
    ctx.io.signals?.off('SIGTERM', onSignal);
    ctx.io.signals?.off('SIGINT', onSignal);
    // The stdout error listener stays: a write still queued when the reader went away fails
    // after this returns, and unhandled it would crash the exit.
    await store.close();
  }
}
