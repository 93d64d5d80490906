import type { VoucherGroupRecord } from '../store/port.js';

const WEEKDAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
const pad = (value: number | undefined) => String(value ?? 0).padStart(2, '0');

/** Formatters by time zone: making one costs far more than using it, and an export formats every row. */
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-CA', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** "2026-01-15 12:00" in the site's time zone. */
export function formatLocal(epochMs: number, timeZone: string): string {
  const parts = formatterFor(timeZone).formatToParts(new Date(epochMs));
  const part = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return `${part('year')}-${part('month')}-${part('day')} ${part('hour')}:${part('minute')}`;
}

/**
 * The validity of a group's vouchers as a person reads it on a printed voucher: "Permanent",
 * the window in the site's time zone, or the schedule.
 */
export function describeValidity(group: VoucherGroupRecord, timeZone: string): string {
  if (group.validityType === 1 && group.effectiveTime !== undefined && group.expirationTime !== undefined) {
    return `${formatLocal(group.effectiveTime, timeZone)} - ${formatLocal(group.expirationTime, timeZone)}`;
  }
  if (group.validityType === 2 && group.schedule) {
    const { schedule } = group;
    if (schedule.type === 0) {
      return `Daily ${pad(schedule.dailyStartHour)}:${pad(schedule.dailyStartMin)}-${pad(schedule.dailyEndHour)}:${pad(schedule.dailyEndMin)}`;
    }
    const days = [...(schedule.weeklyEnableDays ?? [])].sort((a, b) => a - b);
    return `Weekly ${days.map((day) => WEEKDAYS[day - 1]).join(', ')}`;
  }
  return 'Permanent';
}

/** Whether a group's validity window has closed for good (every voucher of it is then expired). */
export function windowClosed(group: VoucherGroupRecord, now: number): boolean {
  return group.validityType === 1 && group.expirationTime !== undefined && group.expirationTime <= now;
}
