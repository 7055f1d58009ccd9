// Event → every supervisor screen, found from what the supervisors received. The board a screen holds is
// followed update by update from the first supervisor's snapshot (shared/board-updates.ts, as the client
// does); an action is on the board in the first update whose snapshot was taken after the action was sent
// (its `at`, the database's now() in the read's transaction, on the same machine clock) and shows it:
//   presence set   → the agent's row has that presence;
//   text in        → its customer (named by the number it came from) is in the line or in an agent's work;
//   offer accepted → the conversation is in the agent's row;   resolved → it is no longer there.
// Each supervisor's latency is when that update reached its socket, minus the action's event time: when
// its domain event was published, right after its commit (bench/board-events.ts). Send → screen, which
// adds the action's own handling, is given beside it.
import type { BoardAgentRow, BoardSnapshot, BoardUpdate } from "../shared/board.ts";
import { applyBoardUpdate } from "../shared/board-updates.ts";
import { percentile } from "./stats.ts";

export type ActionKind = "presence" | "text" | "accept" | "resolve";

export interface BoardAction {
  kind: ActionKind;
  sentAt: number;
  /** presence: the agent; accept/resolve: the agent. */
  agentId?: string;
  /** presence: the state; text: the customer's name on the board; accept/resolve: the conversation id. */
  value: string;
  /** text: the number it came from. */
  address?: string;
  /** When its domain event was published (the stream entry's time), once found. */
  eventAt?: number;
}

export interface Latency {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export function latencyOf(values: number[]): Latency {
  const s = [...values].sort((a, b) => a - b);
  return { count: s.length, p50: percentile(s, 50), p95: percentile(s, 95), p99: percentile(s, 99), max: s.length ? s[s.length - 1]! : Number.NaN };
}

interface State {
  at: number;
  atText: string;
  agents: Map<string, BoardAgentRow>;
  names: Set<string>;
}

function index(board: BoardSnapshot): State {
  const agents = new Map(board.agents.map((a) => [a.id, a]));
  const names = new Set(board.waiting.map((w) => w.customerName));
  for (const a of board.agents) for (const c of a.conversations) names.add(c.customerName);
  return { at: Date.parse(board.at), atText: board.at, agents, names };
}

function shows(s: State, a: BoardAction): boolean {
  switch (a.kind) {
    case "presence":
      return s.agents.get(a.agentId!)?.presence === a.value;
    case "text":
      return s.names.has(a.value);
    case "accept":
      return !!s.agents.get(a.agentId!)?.conversations.some((c) => c.id === a.value);
    case "resolve":
      return !s.agents.get(a.agentId!)?.conversations.some((c) => c.id === a.value);
  }
}

export interface FollowedBoard {
  board: BoardSnapshot;
}

export type BoardState = State;

/** Applies updates to the board in order (the holder keeps the board after the last); returns the state after each. */
export function follow(start: FollowedBoard, updates: BoardUpdate[]): State[] {
  return updates.map((u) => {
    start.board = applyBoardUpdate(start.board, u);
    return index(start.board);
  });
}

export interface LatencyResult {
  /** Over every (action × supervisor): the action's event → that supervisor's socket got the update showing it. */
  all: Latency;
  /** The same from the action's send (its own handling until it committed included). */
  sendToScreen: Latency;
  /** Actions whose domain event was not found in the stream (left out of `all`). */
  noEvent: number;
  byKind: Record<ActionKind, Latency>;
  actions: Record<ActionKind, number>;
  /** Actions never shown in the phase's updates (an error, or undone before the next read). */
  notShown: Record<ActionKind, number>;
  /** (action × supervisor) pairs where the supervisor never got the update that showed it. */
  missed: number;
  /** Snapshot taken (`at`) → each supervisor got the update: the read, the diff and the delivery. */
  snapshotToScreen: Latency;
  /** The action's event → the snapshot that shows it was taken (once per action): the wait for a read to start. */
  eventToSnapshot: Latency;
}

const KINDS: ActionKind[] = ["presence", "text", "accept", "resolve"];
const byKindOf = <T>(f: () => T) => Object.fromEntries(KINDS.map((k) => [k, f()])) as Record<ActionKind, T>;

export function measureLatency(states: State[], received: [string, number][][], actions: BoardAction[]): LatencyResult {
  const ats = states.map((s) => s.at);
  const receivedAt = received.map((r) => new Map(r));
  const all: number[] = [];
  const fromSend: number[] = [];
  let noEvent = 0;
  const perKind = byKindOf<number[]>(() => []);
  const counts = byKindOf(() => 0);
  const notShown = byKindOf(() => 0);
  let missed = 0;
  const waits: number[] = [];
  for (const a of actions) {
    counts[a.kind]++;
    // The first snapshot taken after the send (at is in whole ms: the send's ms counts).
    let lo = 0;
    let hi = states.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (ats[mid]! < Math.floor(a.sentAt)) lo = mid + 1;
      else hi = mid;
    }
    let i = lo;
    while (i < states.length && !shows(states[i]!, a)) i++;
    if (i >= states.length) {
      notShown[a.kind]++;
      continue;
    }
    waits.push(states[i]!.at - (a.eventAt ?? a.sentAt));
    if (a.eventAt === undefined) noEvent++;
    for (const r of receivedAt) {
      const t = r.get(states[i]!.atText);
      if (t === undefined) {
        missed++;
        continue;
      }
      fromSend.push(t - a.sentAt);
      if (a.eventAt === undefined) continue;
      all.push(t - a.eventAt);
      perKind[a.kind].push(t - a.eventAt);
    }
  }
  const snap: number[] = [];
  for (const r of received) for (const [at, t] of r) snap.push(t - Date.parse(at));
  return {
    all: latencyOf(all),
    sendToScreen: latencyOf(fromSend),
    noEvent,
    byKind: Object.fromEntries(KINDS.map((k) => [k, latencyOf(perKind[k])])) as Record<ActionKind, Latency>,
    actions: counts,
    notShown,
    missed,
    snapshotToScreen: latencyOf(snap),
    eventToSnapshot: latencyOf(waits),
  };
}
