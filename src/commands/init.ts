import { writeFile } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { CONFIG_FILE_NAME } from '../config/load.js';
import { STARTER_CONFIG } from '../config/starter.js';
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, type Command } from './command.js';

/**
 * Writes the commented starter configuration. An existing file is kept (exit 2) unless
 * `--force`: it is most likely a configuration someone already edited.
 */
export const initCommand: Command = {
  name: 'init',
  summary: `write a commented starter configuration (default ./${CONFIG_FILE_NAME})`,
  flags: ['force'],
  args: [{ name: 'PATH', required: false, help: `where to write it (default ./${CONFIG_FILE_NAME}, which the other commands find by themselves)` }],
  examples: ['init', 'init /etc/dcs-log-archiver/config.yaml --force'],
  async run({ flags, args, io, logger }) {
    const shown = args[0] ?? CONFIG_FILE_NAME;
    const path = isAbsolute(shown) ? shown : resolve(io.cwd, shown);
    try {
      // 'wx' fails when the file exists, in the same call that creates it: no window in which
      // another writer's file could be overwritten.
      await writeFile(path, STARTER_CONFIG, { flag: flags.force ? 'w' : 'wx', mode: 0o640 });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') {
        logger.error({ path: shown }, `${shown} exists and was left as it is; pass --force to overwrite it, or give another PATH`);
        return EXIT_USAGE;
      }
      logger.error({ path: shown, code }, `cannot write ${shown}: ${code === 'ENOENT' ? 'its directory does not exist' : code ?? String(error)}`);
      return EXIT_FAILED;
    }
    const next = shown === CONFIG_FILE_NAME ? '' : ` --config ${shown}`;
    logger.info({ path: shown }, `wrote ${shown}: set dcs.projectId, instances and destination.url, then run \`dcs-log-archiver archive --dry-run${next}\``);
    return EXIT_OK;
  },
};
