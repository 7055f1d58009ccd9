// A queue's weekly opening hours in its own time zone. Empty means always open.
import { z } from "zod";

const Time = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$|^24:00$/, "times are HH:MM, 00:00 to 24:00");
const Day = z.enum(["mon", "tue", "wed", "thu", "fri", "sat", "sun"]);
export const BusinessHours = z.partialRecord(Day, z.array(z.tuple([Time, Time])).max(10));
export type BusinessHours = z.infer<typeof BusinessHours>;

export function isValidTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** Whether `at` falls in the opening hours, read in the queue's time zone. */
export function isOpen(hours: BusinessHours, timeZone: string, at: Date): boolean {
  if (Object.keys(hours).length === 0) return true;
  const parts = new Intl.DateTimeFormat("en-US", { timeZone, weekday: "short", hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).formatToParts(at);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? "";
  const day = get("weekday").toLowerCase().slice(0, 3) as z.infer<typeof Day>;
  const now = `${get("hour")}:${get("minute")}`;
  return (hours[day] ?? []).some(([from, to]) => now >= from && now < to);
}
