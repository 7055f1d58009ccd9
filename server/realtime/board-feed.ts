// Keeps the live board's watchers current. Each domain event names what it touched (agents,
// conversations); the next read takes those agents' rows again (with whoever holds the touched
// conversations before and after) and the queue rows, the line and the alerts whole, in one snapshot,
// and only the rows that changed go out. Reads run one at a time: the first event after a quiet spell is
// read at once, and what arrives during a read is coalesced into the next one, at most one per
// `coalesceMs`. Every few seconds the small parts are read again for what time alone changes (due soon,
// breaches, alerts, midnight), and every minute the whole board, so nothing an event failed to name
// stays wrong for long. Nothing is counted in memory: every row equals what the database said at its
// read's `at`.
import pg from "pg";
import type { BoardAgentRow, BoardQueueRow, BoardSnapshot, BoardUpdate } from "../../shared/board.ts";
import type { DomainEvent } from "../domain/events.ts";
import { readWholeBoard, snapshotBoard, snapshotBoardPart } from "../domain/board/read-board.ts";
import type { SeenSnapshot } from "../domain/board/board-query.ts";
import type { Logger } from "../log.ts";
import type { AgentNamespace } from "./agent-namespace.ts";

export const BOARD_ROOM = "board";

/** Events that cannot change the board: typing, and what goes only to chat visitors. */
const IRRELEVANT = new Set<DomainEvent["type"]>(["conversation.typing", "chat.message", "chat.typing", "chat.ended", "call.consult"]);

/** What an event changed on the board: some agents' rows, or (`all`) rows the event cannot name. */
interface Touch {
  all?: true;
  agents?: (string | null)[];
  conversations?: string[];
}

export function touchedBy(event: DomainEvent): Touch {
  switch (event.type) {
    case "message.created":
    case "message.updated":
      return { conversations: [event.message.conversationId], agents: [event.assignedAgentId] };
    case "conversation.updated":
      return { conversations: [event.conversation.id], agents: [event.conversation.assignedAgentId, ...(event.alsoAgentIds ?? [])] };
    case "offer.created":
      return { conversations: [event.offer.conversation.id], agents: [event.offer.agentId] };
    case "offer.closed":
      return { conversations: [event.conversationId], agents: [event.agentId] };
    case "agent.updated":
      return { agents: [event.agent.id] };
    case "sessions.ended":
    case "agent.notice":
      return { agents: [event.agentId] };
    case "channel.health":
    case "service_level.alert":
    case "call.monitoring":
      return {}; // the queue rows, the line and the alerts are read whole every time
    default:
      return { all: true }; // a customer renamed or merged: their name may be in any agent's work
  }
}

export interface BoardFeedStats {
  /** Domain events that marked the board as changed. */
  events: number;
  /** Reads of the board (whole or in part), and the updates sent (a read that found nothing new sends none). */
  reads: number;
  fullReads: number;
  updates: number;
}

export interface BoardFeed {
  onEvent(event: DomainEvent): void;
  /** The board now, for a socket that just joined the room (its later updates follow from this one). */
  current(): Promise<BoardSnapshot>;
  stats(): BoardFeedStats;
  close(): void;
}

export interface BoardFeedOptions {
  /** The process's pool: the feed opens one connection of its own with the same settings. */
  pool: pg.Pool;
  log: Logger;
  /** At most one read per this many ms (default 50). */
  coalesceMs?: number;
  /** The small parts again, for what time alone changes (default 5 s). */
  refreshMs?: number;
  /** The whole board again (default 60 s). */
  fullEveryMs?: number;
}

export function createBoardFeed(nsp: AgentNamespace, deps: BoardFeedOptions): BoardFeed {
  const coalesceMs = deps.coalesceMs ?? 50;
  // The feed's reads on a connection of their own: under load the shared pool's queue (every request
  // and job waits there) would add its wait to every event's way to the screens.
  const reader = new pg.Pool({ ...deps.pool.options, max: 1, idleTimeoutMillis: 0 });
  reader.on("error", (err) => deps.log.warn("the board's connection was lost; the next read opens another", { err: err.message }));
  const stats: BoardFeedStats = { events: 0, reads: 0, fullReads: 0, updates: 0 };
  const watching = () => (nsp.adapter.rooms.get(BOARD_ROOM)?.size ?? 0) > 0;

  let last: BoardSnapshot | null = null;
  /** The database snapshot `last` was read in: the next read also takes every agent written since. */
  let lastSeen: SeenSnapshot | null = null;
  /** Who held or was offered each conversation in `last`: they must be read again when it moves. */
  let holders = new Map<string, string>();
  let lastFullAt = 0;
  // What the events since the last read's start touched.
  let dirty = false;
  let wantAll = false;
  let agents = new Set<string>();
  let conversations = new Set<string>();

  let reading: Promise<void> | null = null;
  let lastReadStart = 0;
  /** After a failed read, the next waits this long (doubling to 5 s): a database outage is not hammered. */
  let backoffMs = 0;
  let timer: NodeJS.Timeout | null = null;
  /** Callers of current() waiting for the read after the one running (which may have missed their join). */
  let waiters: (() => void)[] = [];

  const readOnce = async (): Promise<void> => {
    const full = !last || !lastSeen || wantAll || Date.now() - lastFullAt >= (deps.fullEveryMs ?? 60_000);
    const touched = { agentIds: agents, conversationIds: conversations, since: lastSeen! };
    dirty = wantAll = false;
    agents = new Set();
    conversations = new Set();
    for (const id of touched.conversationIds) {
      const holder = holders.get(id);
      if (holder) touched.agentIds.add(holder);
    }
    let next: BoardSnapshot;
    let seen: SeenSnapshot;
    if (full) {
      ({ board: next, snapshot: seen } = await readWholeBoard(reader));
      lastFullAt = Date.now();
      stats.fullReads++;
    } else {
      const { board: part, snapshot } = await snapshotBoardPart(reader, touched);
      seen = snapshot;
      const { agentIds, agents: read, ...rest } = part;
      next = { ...rest, agents: mergeAgents(last!.agents, read, agentIds) };
    }
    stats.reads++;
    const update = last ? boardChanges(last, next) : null;
    last = next;
    lastSeen = seen;
    holders = holdersOf(next);
    if (update) {
      stats.updates++;
      nsp.local.to(BOARD_ROOM).emit("board:update", update);
    }
  };

  const kick = (): void => {
    if (reading || timer) return;
    if (!watching()) {
      last = null;
      dirty = false;
      release();
      return;
    }
    const wait = lastReadStart + Math.max(coalesceMs, backoffMs) - Date.now();
    if (wait > 0) {
      timer = setTimeout(() => {
        timer = null;
        kick();
      }, wait);
      return;
    }
    lastReadStart = Date.now();
    const waiting = waiters;
    waiters = [];
    reading = readOnce()
      .then(() => {
        backoffMs = 0;
      })
      .catch((err) => {
        wantAll = dirty = true; // the next read takes the whole board again
        backoffMs = Math.min(5000, Math.max(250, backoffMs * 2));
        deps.log.warn("the board could not be read; the next event tries again", { err: (err as Error).message });
      })
      .finally(() => {
        reading = null;
        for (const done of waiting) done();
        if (dirty || waiters.length) kick();
      });
  };
  const release = () => {
    for (const done of waiters.splice(0)) done();
  };

  const ticker = setInterval(() => {
    if (!watching()) return;
    dirty = true;
    kick();
  }, deps.refreshMs ?? 5000);
  ticker.unref();

  return {
    onEvent(event) {
      if (IRRELEVANT.has(event.type)) return;
      stats.events++;
      if (!last) return; // nobody watching: the first watcher reads the whole board
      const touch = touchedBy(event);
      if (touch.all) wantAll = true;
      for (const id of touch.agents ?? []) if (id) agents.add(id);
      for (const id of touch.conversations ?? []) conversations.add(id);
      dirty = true;
      kick();
    },
    async current() {
      // A read that started before this socket joined sent its changes to the room without it; the next
      // read's changes it gets. So the board it starts from is the one that next read leaves (or `last`
      // when nothing is pending or running: then nothing has been sent since it was read).
      if (last && !reading && !dirty) return last;
      await new Promise<void>((resolve) => {
        waiters.push(resolve);
        dirty = true;
        kick();
      });
      return last ?? snapshotBoard(reader);
    },
    stats: () => ({ ...stats }),
    close() {
      clearInterval(ticker);
      if (timer) clearTimeout(timer);
      release();
      void reader.end().catch(() => {});
    },
  };
}

const byName = new Intl.Collator(undefined).compare;

/** The last read's agent rows with those read again put in (and those asked for but gone taken out). */
function mergeAgents(rows: BoardAgentRow[], read: BoardAgentRow[], asked: string[]): BoardAgentRow[] {
  const fresh = new Map(read.map((a) => [a.id, a]));
  const gone = new Set(asked.filter((id) => !fresh.has(id)));
  let reorder = false;
  const merged: BoardAgentRow[] = [];
  for (const a of rows) {
    if (gone.has(a.id)) continue;
    const b = fresh.get(a.id);
    fresh.delete(a.id);
    if (b && b.name !== a.name) reorder = true;
    merged.push(b ?? a);
  }
  for (const b of fresh.values()) (merged.push(b), (reorder = true));
  // By name, as the screen shows them (shared/board-updates.ts); only when a name came or changed.
  return reorder ? merged.sort((a, b) => byName(a.name, b.name) || (a.id < b.id ? -1 : 1)) : merged;
}

function holdersOf(board: BoardSnapshot): Map<string, string> {
  const map = new Map<string, string>();
  for (const a of board.agents) for (const c of a.conversations) map.set(c.id, a.id);
  for (const w of board.waiting) if (w.offeredToAgentId) map.set(w.conversationId, w.offeredToAgentId);
  return map;
}

/** The rows of `next` that differ from `prev` (whole rows; lists whole when anything in them changed). */
export function boardChanges(prev: BoardSnapshot, next: BoardSnapshot): BoardUpdate | null {
  const queues = changedRows(prev.queues, next.queues, (q: BoardQueueRow) => q.key);
  const agents = changedRows(prev.agents, next.agents, (a: BoardAgentRow) => a.id);
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  const update: BoardUpdate = { at: next.at, queues: queues.changed, removedQueues: queues.removed, agents: agents.changed, removedAgents: agents.removed };
  if (!same(prev.waiting, next.waiting)) update.waiting = next.waiting;
  if (!same(prev.alerts, next.alerts)) update.alerts = next.alerts;
  if (!same(prev.settings, next.settings)) {
    update.settings = next.settings;
    update.definitions = next.definitions;
  }
  const empty = !queues.changed.length && !queues.removed.length && !agents.changed.length && !agents.removed.length
    && !update.waiting && !update.alerts && !update.settings;
  return empty ? null : update;
}

// Each list's rows as JSON by key, kept with the list: the next read compares against the last one's
// without writing its 1,000 agent rows out again (bench/board.ts measures it). A partial read's list
// shares the unchanged row objects, so their texts are carried over rather than written again.
const rowTexts = new WeakMap<object, Map<string, string>>();
const objectTexts = new WeakMap<object, string>();

function textsOf<T extends object>(rows: T[], key: (row: T) => string): Map<string, string> {
  let texts = rowTexts.get(rows);
  if (!texts) {
    texts = new Map();
    for (const r of rows) {
      let text = objectTexts.get(r);
      if (text === undefined) objectTexts.set(r, (text = JSON.stringify(r)));
      texts.set(key(r), text);
    }
    rowTexts.set(rows, texts);
  }
  return texts;
}

function changedRows<T extends object>(prev: T[], next: T[], key: (row: T) => string): { changed: T[]; removed: string[] } {
  const before = textsOf(prev, key);
  const after = textsOf(next, key);
  const changed = next.filter((r) => before.get(key(r)) !== after.get(key(r)));
  return { changed, removed: [...before.keys()].filter((k) => !after.has(k)) };
}
