// GET /api/customers/search?q=…: the workspace's "Find a customer" box, asked as the agent types.
import { Router } from "express";
import { SearchCustomersQuery } from "../../shared/search.ts";
import type { RateLimiter } from "../domain/auth/sessions.ts";
import { searchCustomers, type SearchDeps } from "../domain/customers/search-customers.ts";
import { AppError } from "../errors.ts";
import { signedInAgent } from "./auth-routes.ts";
import { parseInput } from "./validate.ts";

// A keystroke every ~150 ms (the box's debounce) is ~7 a second while typing: this lets an agent type
// without pause for a minute, and stops a script walking the customer base through one session.
const SEARCHES_PER_AGENT = { limit: 300, windowSeconds: 60 };

export function searchRouter(deps: SearchDeps & { limiter: RateLimiter }): Router {
  const router = Router();
  router.get("/customers/search", async (req, res) => {
    const agent = signedInAgent(req);
    const { q, limit } = parseInput(SearchCustomersQuery, req.query);
    const hit = await deps.limiter.hit(`search:agent:${agent.id}`, SEARCHES_PER_AGENT.limit, SEARCHES_PER_AGENT.windowSeconds);
    if (!hit.allowed) throw new AppError("RATE_LIMITED", `Too many searches; try again in ${hit.retryAfterSeconds} s`, { retryAfterSeconds: hit.retryAfterSeconds });
    res.json(await searchCustomers(deps, agent, { q, limit }));
  });
  return router;
}
