/**
 * Days relative to the real clock, for tests that run the CLI: it signs with the real clock, so
 * the simulator runs on it too.
 */
export const dayBefore = (days: number): string => new Date(Date.now() - days * 86_400_000).toISOString().slice(0, 10);
