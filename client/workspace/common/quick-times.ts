// The times a reminder or a snooze is set to in one click, and the datetime-local input's local time.

export interface QuickTime {
  key: string;
  label: string;
  at: Date;
}

function atNine(date: Date): Date {
  const d = new Date(date);
  d.setHours(9, 0, 0, 0);
  return d;
}

/** "In 1 hour", "In 3 hours", "Tomorrow 9:00", "Monday 9:00" (the next one), from `now`. */
export function quickTimes(now = new Date()): QuickTime[] {
  const tomorrow = new Date(now);
  tomorrow.setDate(now.getDate() + 1);
  const monday = new Date(now);
  monday.setDate(now.getDate() + (((8 - now.getDay()) % 7) || 7));
  return [
    { key: "1h", label: "In 1 hour", at: new Date(now.getTime() + 3_600_000) },
    { key: "3h", label: "In 3 hours", at: new Date(now.getTime() + 3 * 3_600_000) },
    { key: "tomorrow", label: "Tomorrow 9:00", at: atNine(tomorrow) },
    { key: "monday", label: "Monday 9:00", at: atNine(monday) },
  ];
}

/** A datetime-local value ("2026-12-02T09:00:00") read in the browser's time zone; null when empty or invalid. */
export function fromLocalInput(value: string): Date | null {
  if (!value) return null;
  const at = new Date(value);
  return Number.isNaN(at.getTime()) ? null : at;
}

/** The datetime-local value of a moment, in the browser's time zone, to the second. */
export function toLocalInput(at: Date): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())}T${pad(at.getHours())}:${pad(at.getMinutes())}:${pad(at.getSeconds())}`;
}
