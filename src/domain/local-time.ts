/**
 * Wall-clock arithmetic in a site's time zone (an IANA name from the Access Guide's table 5.1):
 * what day and minute it is there, and when a local day, week or month begins. Daylight saving
 * moves are honoured: a local time is turned back into an instant with the offset in force then.
 */
export interface LocalParts {
  readonly year: number;
  /** 1–12. */
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
  /** 1 Monday … 7 Sunday, as weeklyEnableDays counts. */
  readonly weekday: number;
}

const formats = new Map<string, Intl.DateTimeFormat>();
const WEEKDAYS: Record<string, number> = { Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6, Sun: 7 };

function formatFor(timeZone: string): Intl.DateTimeFormat {
  let format = formats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      weekday: 'short',
    });
    formats.set(timeZone, format);
  }
  return format;
}

export function localParts(epochMs: number, timeZone: string): LocalParts {
  const out: Record<string, string> = {};
  for (const part of formatFor(timeZone).formatToParts(new Date(epochMs))) out[part.type] = part.value;
  return {
    year: Number(out.year),
    month: Number(out.month),
    day: Number(out.day),
    hour: Number(out.hour),
    minute: Number(out.minute),
    second: Number(out.second),
    weekday: WEEKDAYS[out.weekday!] ?? 1,
  };
}

/** The zone's offset from UTC at `epochMs`, in ms (positive east of Greenwich). */
function offsetAt(epochMs: number, timeZone: string): number {
  const p = localParts(epochMs, timeZone);
  const asUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return asUtc - Math.floor(epochMs / 1000) * 1000;
}

/**
 * The instant the zone's clocks show this local date and time (`day` and `minutes` may run past
 * their month and day: Date.UTC carries them). In a gap a daylight-saving move opens, the
 * instant just after it.
 */
export function instantOf(year: number, month: number, day: number, minutes: number, timeZone: string): number {
  const wall = Date.UTC(year, month - 1, day, 0, minutes);
  const first = wall - offsetAt(wall, timeZone);
  return wall - offsetAt(first, timeZone);
}

export function startOfLocalDay(epochMs: number, timeZone: string): number {
  const p = localParts(epochMs, timeZone);
  return instantOf(p.year, p.month, p.day, 0, timeZone);
}

/** Weeks begin on Monday. */
export function startOfLocalWeek(epochMs: number, timeZone: string): number {
  const p = localParts(epochMs, timeZone);
  return instantOf(p.year, p.month, p.day - (p.weekday - 1), 0, timeZone);
}

export function startOfLocalMonth(epochMs: number, timeZone: string): number {
  const p = localParts(epochMs, timeZone);
  return instantOf(p.year, p.month, 1, 0, timeZone);
}

/** The start of the local day `days` after the one holding `epochMs`. */
export function localDayAfter(epochMs: number, days: number, timeZone: string): number {
  const p = localParts(epochMs, timeZone);
  return instantOf(p.year, p.month, p.day + days, 0, timeZone);
}
