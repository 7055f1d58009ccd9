// Keeps the live board's watchers current: after any domain event (and every few seconds, for what
// time alone changes: due soon, breaches, alerts, midnight) the board is read again from the database,
// at most once per coalescing window however many events arrived, and only the rows that changed go
// out. Each server process serves its own watchers from the shared event stream; nothing is counted in
// memory, so the board always equals what the database said at its `at`.
import type pg from "pg";
import type { PrismaClient } from "../db/client.ts";
import type { BoardAgentRow, BoardQueueRow, BoardSnapshot, BoardUpdate } from "../../shared/board.ts";
import type { DomainEvent } from "../domain/events.ts";
import { snapshotBoard } from "../domain/board/read-board.ts";
import type { Logger } from "../log.ts";
import type { AgentNamespace } from "./agent-namespace.ts";

export const BOARD_ROOM = "board";

/** Events that cannot change the board: typing, and what goes only to chat visitors. */
const IRRELEVANT = new Set<DomainEvent["type"]>(["conversation.typing", "chat.message", "chat.typing", "chat.ended", "call.consult"]);

export interface BoardFeedStats {
  /** Domain events that marked the board as changed. */
  events: number;
  /** Reads of the board, and the updates sent (a read that found nothing new sends none). */
  reads: number;
  updates: number;
}

export interface BoardFeed {
  onEvent(event: DomainEvent): void;
  /** The board now, for a socket that just joined the room (its later updates follow from this one). */
  current(): Promise<BoardSnapshot>;
  stats(): BoardFeedStats;
  close(): void;
}

export function createBoardFeed(
  nsp: AgentNamespace,
  deps: { pool: pg.Pool; prisma: PrismaClient; log: Logger; coalesceMs?: number; refreshMs?: number },
): BoardFeed {
  const coalesceMs = deps.coalesceMs ?? 250;
  let last: BoardSnapshot | null = null;
  let timer: NodeJS.Timeout | null = null;
  let chain: Promise<void> = Promise.resolve();
  const stats: BoardFeedStats = { events: 0, reads: 0, updates: 0 };
  const watching = () => (nsp.adapter.rooms.get(BOARD_ROOM)?.size ?? 0) > 0;

  // A read chained but not started yet: whoever asks meanwhile shares it (it starts after them, so it sees
  // what they would), so 50 screens opening the board together cost one read, not 50 in a row.
  let queued: Promise<void> | null = null;

  // Reads run one at a time, in order: an update always follows from the one before it.
  const refresh = (): Promise<void> => {
    if (queued) return queued;
    chain = queued = chain.then(async () => {
      queued = null;
      if (!watching()) {
        last = null;
        return;
      }
      const next = await snapshotBoard(deps.pool, deps.prisma);
      stats.reads++;
      const update = last ? boardChanges(last, next) : null;
      last = next;
      if (update) {
        stats.updates++;
        nsp.local.to(BOARD_ROOM).emit("board:update", update);
      }
    }).catch((err) => deps.log.warn("the board could not be read; the next event tries again", { err: (err as Error).message }));
    return chain;
  };

  const schedule = () => {
    if (timer || !watching()) return;
    timer = setTimeout(() => {
      timer = null;
      void refresh();
    }, coalesceMs);
  };
  const ticker = setInterval(schedule, deps.refreshMs ?? 5000);
  ticker.unref();

  return {
    onEvent(event) {
      if (IRRELEVANT.has(event.type)) return;
      stats.events++;
      schedule();
    },
    async current() {
      await refresh();
      return last ?? snapshotBoard(deps.pool, deps.prisma);
    },
    stats: () => ({ ...stats }),
    close() {
      clearInterval(ticker);
      if (timer) clearTimeout(timer);
    },
  };
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
// without writing its 1,000 agent rows out again (half the diff's cost; bench/board.ts measures it).
const rowTexts = new WeakMap<object, Map<string, string>>();

function textsOf<T>(rows: T[], key: (row: T) => string): Map<string, string> {
  let texts = rowTexts.get(rows);
  if (!texts) rowTexts.set(rows, (texts = new Map(rows.map((r) => [key(r), JSON.stringify(r)]))));
  return texts;
}

function changedRows<T>(prev: T[], next: T[], key: (row: T) => string): { changed: T[]; removed: string[] } {
  const before = textsOf(prev, key);
  const after = textsOf(next, key);
  const changed = next.filter((r) => before.get(key(r)) !== after.get(key(r)));
  return { changed, removed: [...before.keys()].filter((k) => !after.has(k)) };
}
