// The live board: the whole board when watching starts (and again after every reconnect), then each
// `board:update` replaces the rows it carries. Updates before the first board are already in it.
import { useCallback, useEffect, useState } from "react";
import type { BoardSnapshot } from "../../shared/board.ts";
import { applyBoardUpdate } from "../../shared/board-updates.ts";
import { agentSocket, unwatchBoard, watchBoard } from "./socket.ts";
import { useSocketEvent } from "./use-socket-event.ts";

export type BoardState =
  | { status: "loading"; board: null; problem: string | null }
  | { status: "ready"; board: BoardSnapshot; problem: string | null };

export function useBoard(): BoardState {
  const [state, setState] = useState<BoardState>({ status: "loading", board: null, problem: null });

  const load = useCallback(() => {
    watchBoard().then(
      (board) => setState({ status: "ready", board, problem: null }),
      (err: Error) => setState((s) => ({ ...s, problem: err.message })),
    );
  }, []);

  useEffect(() => {
    const socket = agentSocket();
    if (socket.connected) load();
    return () => unwatchBoard();
  }, [load]);
  // A reconnect lost the room: watch again and take the board whole.
  useSocketEvent("connect", load);
  useSocketEvent("board:update", (update) => {
    setState((s) => (s.status === "ready" ? { ...s, board: applyBoardUpdate(s.board, update) } : s));
  });
  return state;
}
