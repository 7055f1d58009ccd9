// A board screen's copy of the board follows the server's: each update replaces the rows it carries
// (used by the client, and by the tests that check a screen's board against the database).
import type { BoardSnapshot, BoardUpdate } from "./board.ts";

export function applyBoardUpdate(board: BoardSnapshot, update: BoardUpdate): BoardSnapshot {
  const replace = <T>(rows: T[], changed: T[], removed: string[], key: (r: T) => string): T[] => {
    const byKey = new Map(changed.map((r) => [key(r), r]));
    const gone = new Set(removed);
    const kept = rows.filter((r) => !gone.has(key(r))).map((r) => byKey.get(key(r)) ?? r);
    const known = new Set(rows.map(key));
    return [...kept, ...changed.filter((r) => !known.has(key(r)))];
  };
  return {
    at: update.at,
    queues: replace(board.queues, update.queues, update.removedQueues, (q) => q.key),
    agents: replace(board.agents, update.agents, update.removedAgents, (a) => a.id).sort((a, b) => a.name.localeCompare(b.name)),
    waiting: update.waiting ?? board.waiting,
    alerts: update.alerts ?? board.alerts,
    settings: update.settings ?? board.settings,
    definitions: update.definitions ?? board.definitions,
  };
}

