import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { LOG_LEVELS, logSettings } from '../../src/log.js';

function refusal(env: Record<string, string>): ConfigError {
  try {
    logSettings(env, false);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('log settings from the environment', () => {
  it('defaults to info, pretty on a terminal and JSON elsewhere', () => {
    expect(logSettings({}, true)).toEqual({ level: 'info', pretty: true });
    expect(logSettings({}, false)).toEqual({ level: 'info', pretty: false });
    expect(logSettings({ LOG_LEVEL: '', LOG_FORMAT: '' }, false)).toEqual({ level: 'info', pretty: false });
  });

  it("accepts each of pino's levels and both formats, whatever the terminal", () => {
    for (const level of LOG_LEVELS) expect(logSettings({ LOG_LEVEL: level }, false).level).toBe(level);
    expect(logSettings({ LOG_FORMAT: 'json' }, true).pretty).toBe(false);
    expect(logSettings({ LOG_FORMAT: 'pretty' }, false).pretty).toBe(true);
  });

  it('refuses an unknown level, naming the variable, the value and the levels', () => {
    expect(refusal({ LOG_LEVEL: 'verbose' }).message).toBe('LOG_LEVEL: got "verbose"; allowed: fatal, error, warn, info, debug, trace, silent');
  });

  it('refuses an unknown format rather than reading it as JSON', () => {
    expect(refusal({ LOG_FORMAT: 'text' }).message).toMatch(/^LOG_FORMAT: got "text"; allowed: json, pretty/);
  });
});
