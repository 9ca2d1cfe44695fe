/**
 * `schedule.timezone` must say where, not what: an IANA region name (Asia/Shanghai) or UTC.
 * Intl also accepts abbreviations, and reads them one way: `CST` is America/Chicago to it, while
 * a Huawei Cloud user writing CST most likely means China Standard Time. So any name without a
 * region is refused, except UTC.
 */
export function isRegionTimeZone(zone: string): boolean {
  if (zone !== 'UTC' && !zone.includes('/')) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** What an abbreviation (or a near miss) may have meant: the suggestion in the message. */
const MEANINGS: Record<string, string> = {
  CST: 'Asia/Shanghai (China) or America/Chicago (US Central)',
  CDT: 'America/Chicago',
  IST: 'Asia/Kolkata (India), Asia/Jerusalem (Israel) or Europe/Dublin (Ireland)',
  EST: 'America/New_York',
  EDT: 'America/New_York',
  PST: 'America/Los_Angeles',
  PDT: 'America/Los_Angeles',
  MST: 'America/Denver or America/Phoenix',
  JST: 'Asia/Tokyo',
  KST: 'Asia/Seoul',
  HKT: 'Asia/Hong_Kong',
  SGT: 'Asia/Singapore',
  CET: 'Europe/Berlin or Europe/Paris',
  CEST: 'Europe/Berlin or Europe/Paris',
  BST: 'Europe/London',
  GMT: 'UTC or Europe/London',
  UTC: 'UTC (in capitals)',
  Z: 'UTC',
};

export function timeZoneAllowed(zone: unknown): string {
  const base = 'an IANA region name such as Asia/Shanghai, America/Chicago or Europe/Berlin, or UTC';
  if (typeof zone !== 'string' || zone.includes('/')) return base;
  const meaning = MEANINGS[zone.toUpperCase()];
  return meaning ? `${base} (${zone} names no region; did you mean ${meaning}?)` : `${base} (abbreviations name no region)`;
}
