// Business hours as an admin types them, one line per day: "09:00-17:00, 18:00-20:00"; blank is closed.
import type { z } from "zod";
import type { BusinessHours } from "../../../shared/business-hours.ts";

export const DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] as const;
export type Day = (typeof DAYS)[number];
export const DAY_LABEL: Record<Day, string> = { mon: "Monday", tue: "Tuesday", wed: "Wednesday", thu: "Thursday", fri: "Friday", sat: "Saturday", sun: "Sunday" };
type Hours = z.infer<typeof BusinessHours>;

export function hoursToText(hours: Hours): Record<Day, string> {
  return Object.fromEntries(DAYS.map((d) => [d, (hours[d] ?? []).map(([from, to]) => `${from}-${to}`).join(", ")])) as Record<Day, string>;
}

/** The server checks the times and overlaps; here only the shape is read. */
export function textToHours(text: Record<Day, string>): Hours {
  const hours: Hours = {};
  for (const day of DAYS) {
    const windows = text[day]
      .split(",")
      .map((w) => w.trim())
      .filter(Boolean)
      .map((w) => w.split("-").map((t) => t.trim()) as [string, string]);
    if (windows.length) hours[day] = windows;
  }
  return hours;
}
