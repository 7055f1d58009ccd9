// The counts of waits (queue_waits `w`, with metric_settings `s` joined) that every service figure is
// made of, as SQL aggregate expressions: the live board and the reports select these same columns, so
// a figure on the board and in a report of the same period cannot disagree. Sums, not averages, so
// groups add up (a day of hours, a queue of channels).

/** Seconds from joining the line to the wait's end. */
const WAITED = `extract(epoch FROM w.ended_at - w.waiting_since)`;
const SHORT_ABANDON = `(w.outcome = 'abandoned' AND ${WAITED} < s.short_abandon_seconds)`;
const COUNTED_ABANDON = `(w.outcome = 'abandoned' AND ${WAITED} >= s.short_abandon_seconds)`;
const WITHIN_TARGET = `(${WAITED} <= w.target_seconds)`;
/** A wait that counts in the service level's denominator (DESIGN.md "Metrics", and the settings). */
const SL_COUNTED = `((s.callbacks = 'included' OR NOT w.callback) AND (w.outcome = 'answered'
   OR (${COUNTED_ABANDON} AND NOT (${WITHIN_TARGET} AND s.abandons_within_target = 'neither'))))`;
const SL_MET = `(${SL_COUNTED} AND ${WITHIN_TARGET} AND (w.outcome = 'answered' OR s.abandons_within_target = 'for'))`;

/**
 * The same counts for one wait, as 0/1 columns (and its answer time in whole microseconds) to be summed:
 * the reports sum them per 15 minutes and add those sums up exactly. `part` says which half the row
 * stands for: the interval it joined (offered, reopened) or the one it ended (the outcome).
 */
export function waitCountFlags(part: "joined" | "ended"): string {
  const flag = (cond: string) => (part === "ended" ? `CASE WHEN ${cond} THEN 1 ELSE 0 END` : "0");
  return `${part === "joined" ? "1" : "0"} AS offered, ${part === "joined" ? "CASE WHEN w.reopened THEN 1 ELSE 0 END" : "0"} AS reopened,
    ${flag("w.outcome = 'answered'")} AS answered, ${flag(COUNTED_ABANDON)} AS abandoned, ${flag(SHORT_ABANDON)} AS short_abandoned,
    ${flag("w.outcome = 'moved'")} AS moved, ${flag(SL_COUNTED)} AS sl_counted, ${flag(SL_MET)} AS sl_met,
    ${part === "ended" ? `CASE WHEN w.outcome = 'answered' THEN round(${WAITED} * 1000000)::bigint ELSE 0 END` : "0::bigint"} AS answer_us`;
}

/**
 * The select list of wait counts. `entered` and `ended` are SQL conditions on `w` saying whether the
 * wait joined, or ended, in the period: offered counts by joining, every outcome by ending.
 */
export function waitCountColumns(entered: string, ended: string): string {
  return `count(*) FILTER (WHERE ${entered})::int AS offered,
    count(*) FILTER (WHERE ${entered} AND w.reopened)::int AS reopened,
    count(*) FILTER (WHERE ${ended} AND w.outcome = 'answered')::int AS answered,
    count(*) FILTER (WHERE ${ended} AND ${COUNTED_ABANDON})::int AS abandoned,
    count(*) FILTER (WHERE ${ended} AND ${SHORT_ABANDON})::int AS short_abandoned,
    count(*) FILTER (WHERE ${ended} AND w.outcome = 'moved')::int AS moved,
    count(*) FILTER (WHERE ${ended} AND ${SL_COUNTED})::int AS sl_counted,
    count(*) FILTER (WHERE ${ended} AND ${SL_MET})::int AS sl_met,
    COALESCE(sum(${WAITED}) FILTER (WHERE ${ended} AND w.outcome = 'answered'), 0)::float8 AS answer_seconds`;
}

export interface WaitCounts {
  offered: number;
  reopened: number;
  answered: number;
  abandoned: number;
  shortAbandoned: number;
  moved: number;
  slCounted: number;
  slMet: number;
  answerSeconds: number;
}

export interface WaitCountRow {
  offered: number; reopened: number; answered: number; abandoned: number; short_abandoned: number;
  moved: number; sl_counted: number; sl_met: number; answer_seconds: number;
}

export const waitCounts = (r: WaitCountRow): WaitCounts => ({
  offered: r.offered, reopened: r.reopened, answered: r.answered, abandoned: r.abandoned, shortAbandoned: r.short_abandoned,
  moved: r.moved, slCounted: r.sl_counted, slMet: r.sl_met, answerSeconds: r.answer_seconds,
});

export const emptyWaitCounts = (): WaitCounts => ({
  offered: 0, reopened: 0, answered: 0, abandoned: 0, shortAbandoned: 0, moved: 0, slCounted: 0, slMet: 0, answerSeconds: 0,
});

export function addWaitCounts(a: WaitCounts, b: WaitCounts): WaitCounts {
  return {
    offered: a.offered + b.offered, reopened: a.reopened + b.reopened, answered: a.answered + b.answered, abandoned: a.abandoned + b.abandoned,
    shortAbandoned: a.shortAbandoned + b.shortAbandoned, moved: a.moved + b.moved, slCounted: a.slCounted + b.slCounted,
    slMet: a.slMet + b.slMet, answerSeconds: a.answerSeconds + b.answerSeconds,
  };
}

/** Service level as a share (0–1), null with nothing counted. */
export const serviceLevel = (c: WaitCounts): number | null => (c.slCounted ? c.slMet / c.slCounted : null);
/** Average speed of answer in seconds, null with nothing answered. */
export const averageSpeedOfAnswer = (c: WaitCounts): number | null => (c.answered ? c.answerSeconds / c.answered : null);
export const abandonRate = (c: WaitCounts): number | null => (c.offered ? c.abandoned / c.offered : null);
