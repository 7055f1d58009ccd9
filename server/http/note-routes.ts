// Internal notes on a conversation, and the names a note can mention.
import { Router } from "express";
import { z } from "zod";
import { AddNoteBody } from "../../shared/api.ts";
import { addNote, agentDirectory } from "../domain/workspace/add-note.ts";
import type { WorkspaceDeps } from "./workspace-routes.ts";
import { signedInAgent } from "./auth-routes.ts";
import { parseInput } from "./validate.ts";

const IdParam = z.object({ id: z.string().uuid("must be a valid id") });

export function noteRouter(deps: WorkspaceDeps): Router {
  const router = Router();
  router.post("/conversations/:id/notes", async (req, res) => {
    const { id } = parseInput(IdParam, req.params);
    const body = parseInput(AddNoteBody, req.body);
    res.status(201).json({ message: await addNote(deps, { conversationId: id, actor: signedInAgent(req), ...body }) });
  });
  router.get("/agent-directory", async (req, res) => {
    res.json({ agents: await agentDirectory(deps, signedInAgent(req)) });
  });
  return router;
}
