// A queue's weekly opening hours in its own time zone. Empty means always open.
// A window whose end is before its start wraps past midnight: sun ["22:00", "02:00"] is open from
// Sunday 22:00 to Monday 02:00. Times are wall-clock times in the queue's zone, read with @date-fns/tz,
// so daylight-saving days work: on a spring-forward day the skipped hour simply never comes, and on a
// fall-back day the repeated hour is open or closed both times, as its wall-clock time says.
import { TZDateMini } from "@date-fns/tz";
import { z } from "zod";

const Time = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$|^24:00$/, "times are HH:MM, 00:00 to 24:00");
const DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] as const;
const Day = z.enum(DAYS);
type Day = z.infer<typeof Day>;
const MINUTES_PER_DAY = 24 * 60;
const MINUTES_PER_WEEK = 7 * MINUTES_PER_DAY;

const minutesOf = (time: string) => Number(time.slice(0, 2)) * 60 + Number(time.slice(3, 5));

const Window = z
  .tuple([Time, Time])
  .refine(([from]) => from !== "24:00", "a window cannot start at 24:00 (use 00:00 of the next day)")
  .refine(([from, to]) => from !== to, "a window must not start and end at the same time (00:00–24:00 is the whole day)");

/** A window as minutes of the week (Monday 00:00 = 0); `end` may pass the week's end when it wraps. */
function weekSpan(day: Day, [from, to]: [string, string]): { start: number; end: number } {
  const start = DAYS.indexOf(day) * MINUTES_PER_DAY + minutesOf(from);
  const length = (minutesOf(to) - minutesOf(from) + MINUTES_PER_DAY) % MINUTES_PER_DAY || MINUTES_PER_DAY;
  return { start, end: start + length };
}

function overlaps(a: { start: number; end: number }, b: { start: number; end: number }): boolean {
  // Sunday's window may wrap into Monday: compare on the week's circle.
  return [-MINUTES_PER_WEEK, 0, MINUTES_PER_WEEK].some((shift) => a.start < b.end + shift && b.start + shift < a.end);
}

export const BusinessHours = z.partialRecord(Day, z.array(Window).max(10)).superRefine((hours, ctx) => {
  const windows = DAYS.flatMap((day) => (hours[day] ?? []).map((window, index) => ({ day, index, window, span: weekSpan(day, window) })));
  for (let i = 0; i < windows.length; i++) {
    for (let j = i + 1; j < windows.length; j++) {
      const a = windows[i]!;
      const b = windows[j]!;
      if (!overlaps(a.span, b.span)) continue;
      ctx.addIssue({
        code: "custom",
        path: [b.day, b.index],
        message: `${b.day} ${b.window.join("–")} overlaps ${a.day} ${a.window.join("–")}`,
      });
      return;
    }
  }
});
export type BusinessHours = z.infer<typeof BusinessHours>;

export function isValidTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** Whether `at` falls in the opening hours, read on the wall clock of the queue's time zone. */
export function isOpen(hours: BusinessHours, timeZone: string, at: Date): boolean {
  if (Object.keys(hours).length === 0) return true;
  const local = new TZDateMini(at.getTime(), timeZone);
  const today = DAYS[(local.getDay() + 6) % 7]!;
  const yesterday = DAYS[(local.getDay() + 5) % 7]!;
  const now = local.getHours() * 60 + local.getMinutes();
  const wraps = (from: number, to: number) => to < from;
  const openToday = (hours[today] ?? []).some(([fromText, toText]) => {
    const from = minutesOf(fromText);
    const to = minutesOf(toText);
    return now >= from && (wraps(from, to) || now < to);
  });
  // Yesterday's windows that run past midnight are still open this morning until they end.
  const openFromYesterday = (hours[yesterday] ?? []).some(([fromText, toText]) => {
    const from = minutesOf(fromText);
    const to = minutesOf(toText);
    return wraps(from, to) && now < to;
  });
  return openToday || openFromYesterday;
}
