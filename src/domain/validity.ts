import type { VoucherGroupRecord } from '../store/port.js';
import { localParts } from './local-time.js';

const WEEKDAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
const pad = (value: number | undefined) => String(value ?? 0).padStart(2, '0');

/** "2026-01-15 12:00" in the site's time zone. */
export function formatLocal(epochMs: number, timeZone: string): string {
  const local = localParts(epochMs, timeZone);
  return `${local.year}-${pad(local.month)}-${pad(local.day)} ${pad(local.hour)}:${pad(local.minute)}`;
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
