import { Cron } from 'croner';
import { AppError, ErrorCode } from '../errors/app-error.js';

/** The plain cadences, as the cron expressions they stand for (at the start of the hour, day, Monday, month). */
export const EVERY = {
  HOURLY: '0 * * * *',
  DAILY: '0 0 * * *',
  WEEKLY: '0 0 * * 1',
  MONTHLY: '0 0 1 * *',
} as const;

export type Every = keyof typeof EVERY;

/**
 * The cron expression a schedule runs on: `cron` (five fields, minute to weekday, or @hourly, @daily,
 * @weekly, @monthly, @yearly) or `every`, exactly one. Seconds are refused: a scheduled query runs at
 * most once a minute.
 */
export function cadenceOf(cron: string | null | undefined, every: Every | null | undefined, timezone: string): string {
  if ((cron === null || cron === undefined) === (every === null || every === undefined)) {
    throw new AppError(ErrorCode.BAD_USER_INPUT, 'Give a cron expression or every (HOURLY, DAILY, WEEKLY, MONTHLY), exactly one.', { field: 'cron' });
  }
  const expression = every ? EVERY[every] : (cron as string).trim().replace(/\s+/g, ' ');
  if (!expression.startsWith('@') && expression.split(' ').length !== 5) {
    throw new AppError(ErrorCode.BAD_USER_INPUT, 'A cron expression has five fields: minute hour day-of-month month day-of-week (e.g. "30 6 * * 1-5").', {
      field: 'cron',
    });
  }
  checkTimezone(timezone);
  let next: Date | null;
  try {
    next = new Cron(expression, { timezone }).nextRun();
  } catch (error) {
    const reason = error instanceof Error ? error.message.replace(/^CronPattern: /, '') : 'not understood';
    throw new AppError(ErrorCode.BAD_USER_INPUT, `The cron expression is not valid: ${reason}`, { field: 'cron' });
  }
  if (!next) throw new AppError(ErrorCode.BAD_USER_INPUT, 'This cron expression never fires.', { field: 'cron' });
  return expression;
}

/** An IANA time zone name such as Europe/Berlin or UTC; BAD_USER_INPUT otherwise. */
export function checkTimezone(timezone: string): void {
  try {
    new Intl.DateTimeFormat('en', { timeZone: timezone });
  } catch {
    throw new AppError(ErrorCode.BAD_USER_INPUT, `Unknown time zone "${timezone}"; give an IANA name such as UTC or Europe/Berlin.`, { field: 'timezone' });
  }
}

/** When a schedule runs next after `after` (strictly later), in its time zone; null if never. */
export function nextRunAfter(cron: string, timezone: string, after: Date): Date | null {
  return new Cron(cron, { timezone }).nextRun(after);
}
