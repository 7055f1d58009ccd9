// The board's REST calls: its alert limits (the board itself comes over the socket, see use-board.ts).
import { BoardSettings } from "../../shared/board.ts";
import { request } from "./api.ts";

export const boardApi = {
  settings: () => request("/api/board-settings", { schema: BoardSettings }),
  saveSettings: (body: Partial<BoardSettings>) => request("/api/board-settings", { method: "PUT", body, schema: BoardSettings }),
};
