// The supervisors' live board over REST (the same board the `board:watch` socket event gives) and its
// alert limits.
import { Router } from "express";
import type pg from "pg";
import { BoardSettingsInput } from "../../shared/board.ts";
import type { PrismaClient } from "../db/client.ts";
import { readBoard } from "../domain/board/read-board.ts";
import { readBoardSettings, updateBoardSettings } from "../domain/board/board-settings.ts";
import { signedInAgent } from "./auth-routes.ts";
import { parseInput } from "./validate.ts";

export function boardRouter(deps: { pool: pg.Pool; prisma: PrismaClient }): Router {
  const router = Router();
  router.get("/board", async (req, res) => {
    res.json(await readBoard(deps, signedInAgent(req)));
  });
  router.get("/board-settings", async (req, res) => {
    res.json(await readBoardSettings(deps, signedInAgent(req)));
  });
  router.put("/board-settings", async (req, res) => {
    res.json(await updateBoardSettings(deps, signedInAgent(req), parseInput(BoardSettingsInput, req.body)));
  });
  return router;
}
