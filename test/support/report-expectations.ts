// The figures a report should show, computed by the test from its own script (not from the database):
// each metric as DESIGN.md "Metrics" defines it, over plain arrays of the scripted events.
import type { MetricSettings } from "../../shared/metrics.ts";
import type { ReportGroupBy } from "../../shared/reports.ts";

export interface Keys { queue: string | null; channel: string; tier: string; agent: string | null }
export interface ScriptWait extends Keys { waitingSince: Date; entered: Date; ended: Date; outcome: "answered" | "abandoned" | "moved" | "closed"; target: number; callback?: boolean; reopened?: boolean }
export interface ScriptPeriod extends Keys { started: Date; ended: Date; talkEnded?: Date; wrapUpMs?: number; endReason: "resolved" | "transferred" | "requeued" | "snoozed" }
export interface ScriptResponse extends Keys { inbound: Date; reply: Date }
export interface ScriptState { agent: string; state: "available" | "away" | "busy" | "wrap_up" | "offline"; start: Date; end: Date }
export interface Script { waits: ScriptWait[]; periods: ScriptPeriod[]; responses: ScriptResponse[]; states: ScriptState[] }

type Span = [number, number];
const s = (a: Date, b: Date): Span => [a.getTime(), b.getTime()];

function union(spans: Span[]): Span[] {
  const sorted = [...spans].filter(([a, b]) => b > a).sort((x, y) => x[0] - y[0]);
  const out: Span[] = [];
  for (const [a, b] of sorted) {
    const last = out[out.length - 1];
    if (last && a <= last[1]) last[1] = Math.max(last[1], b);
    else out.push([a, b]);
  }
  return out;
}
function intersect(x: Span[], y: Span[]): Span[] {
  const out: Span[] = [];
  for (const [a, b] of union(x)) for (const [c, d] of union(y)) if (Math.min(b, d) > Math.max(a, c)) out.push([Math.max(a, c), Math.min(b, d)]);
  return union(out);
}
function subtract(x: Span[], y: Span[]): Span[] {
  let out = union(x);
  for (const [c, d] of union(y)) {
    out = out.flatMap(([a, b]): Span[] => (d <= a || c >= b ? [[a, b]] : [...(c > a ? [[a, c] as Span] : []), ...(d < b ? [[d, b] as Span] : [])]));
  }
  return out;
}
const seconds = (spans: Span[]) => spans.reduce((n, [a, b]) => n + (b - a) / 1000, 0);

const within = (at: Date, start: Date, end: Date) => at >= start && at < end;
const ratio = (n: number, d: number) => (d ? n / d : null);

/** One cell: the events of group `key` (by groupBy) in [start, end). */
export function expectedCell(script: Script, groupBy: ReportGroupBy, key: string | null | "*", start: Date, end: Date, settings: MetricSettings) {
  const mine = <T extends Keys>(rows: T[]) => (key === "*" ? rows : rows.filter((r) => r[groupBy] === key));
  const waits = mine(script.waits);
  const ended = waits.filter((w) => within(w.ended, start, end));
  const waited = (w: ScriptWait) => (w.ended.getTime() - w.waitingSince.getTime()) / 1000;
  const isShort = (w: ScriptWait) => w.outcome === "abandoned" && waited(w) < settings.shortAbandonSeconds;
  const isCountedAbandon = (w: ScriptWait) => w.outcome === "abandoned" && !isShort(w);
  const inTarget = (w: ScriptWait) => waited(w) <= w.target;
  const slCounted = ended.filter((w) => !(settings.callbacks === "excluded" && w.callback)
    && (w.outcome === "answered" || (isCountedAbandon(w) && !(inTarget(w) && settings.abandonsWithinTarget === "neither"))));
  const slMet = slCounted.filter((w) => inTarget(w) && (w.outcome === "answered" || settings.abandonsWithinTarget === "for"));
  const answered = ended.filter((w) => w.outcome === "answered");
  const offered = waits.filter((w) => within(w.entered, start, end));

  const done = (p: ScriptPeriod) => p.talkEnded ?? p.ended;
  const periods = mine(script.periods).filter((p) => within(done(p), start, end));
  const handleSeconds = periods.reduce((n, p) => n + (done(p).getTime() - p.started.getTime()) / 1000 + (p.wrapUpMs ?? 0) / 1000, 0);
  const responses = mine(script.responses).filter((r) => within(r.reply, start, end));
  const responseSeconds = responses.reduce((n, r) => n + (r.reply.getTime() - r.inbound.getTime()) / 1000, 0);

  // Occupancy: per agent only (the agent key), else nothing counted.
  let handlingSeconds = 0;
  let idleSeconds = 0;
  if (groupBy === "agent") {
    const agents = key === "*" ? [...new Set(script.states.map((x) => x.agent))] : key ? [key] : [];
    for (const agent of agents) {
      const bucket: Span[] = [s(start, end)];
      const states = (...kinds: ScriptState["state"][]) => script.states.filter((x) => x.agent === agent && kinds.includes(x.state)).map((x) => s(x.start, x.end));
      const busy = script.periods.filter((p) => p.agent === agent).map((p) => s(p.started, done(p)));
      const signedIn = states("available", "away", "busy", "wrap_up");
      handlingSeconds += seconds(intersect(intersect(union([...busy, ...states("wrap_up")]), signedIn), bucket));
      idleSeconds += seconds(intersect(subtract(states("available"), busy), bucket));
    }
  }
  const counts = {
    offered: offered.length,
    reopened: offered.filter((w) => w.reopened).length,
    answered: answered.length,
    abandoned: ended.filter(isCountedAbandon).length,
    shortAbandoned: ended.filter(isShort).length,
    moved: ended.filter((w) => w.outcome === "moved").length,
    slCounted: slCounted.length,
    slMet: slMet.length,
    answerSeconds: answered.reduce((n, w) => n + waited(w), 0),
    handled: periods.length,
    handleSeconds,
    agentTransfers: periods.filter((p) => p.endReason === "transferred").length,
    responded: responses.length,
    responseSeconds,
    handlingSeconds,
    idleSeconds,
  };
  return {
    ...counts,
    serviceLevel: ratio(counts.slMet, counts.slCounted),
    asa: ratio(counts.answerSeconds, counts.answered),
    abandonRate: ratio(counts.abandoned, counts.offered),
    aht: ratio(counts.handleSeconds, counts.handled),
    frt: ratio(counts.responseSeconds, counts.responded),
    occupancy: ratio(counts.handlingSeconds, counts.handlingSeconds + counts.idleSeconds),
    reopenRate: ratio(counts.reopened, counts.offered),
    transfers: counts.agentTransfers + counts.moved,
  };
}

/** Rounds every number (sums of seconds and shares come through float8) for an exact comparison. */
export function rounded<T extends object>(cell: T): T {
  return Object.fromEntries(Object.entries(cell).map(([k, v]) => [k, typeof v === "number" ? Math.round(v * 1e6) / 1e6 : v])) as T;
}
