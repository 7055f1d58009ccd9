// The routing benchmark's floor: the router's bare candidate query (which agent gets this conversation, its
// load row locked FOR UPDATE SKIP LOCKED), run on the benchmark's data in the same run, one query at a time on
// one connection in autocommit (each lock ends with its statement), with the parameters of conversations the
// steps routed. What the router adds beside it (its transaction, the offer, the job queue,
// the event stream, the socket) is the difference between the two.
import pg from "pg";
import { CANDIDATE_AGENT_SQL } from "../server/domain/routing/match.ts";
import { summarize, type Summary } from "./stats.ts";

/** A conversation the floor asks about: what the router knows of it when it picks an agent. */
export interface FloorConversation {
  id: string;
  channel: string;
  customerId: string;
  queueId: string;
  requiredSkills: string[];
}

export interface FloorQuery {
  /** Where the SQL comes from, for the report. */
  source: string;
  sql: string;
  params(c: FloorConversation): unknown[];
}

export const FLOOR_QUERY: FloorQuery = {
  source: "`CANDIDATE_AGENT_SQL` of server/domain/routing/match.ts, the query the router runs",
  sql: CANDIDATE_AGENT_SQL,
  params: (c) => [c.channel, c.customerId, c.id, c.requiredSkills, c.queueId],
};

export interface FloorResult {
  signedIn: number;
  queries: number;
  /** Queries that found an agent. */
  found: number;
  queriesPerSecond: number;
  latency: Summary;
  source: string;
  /** EXPLAIN (ANALYZE) of one more query, as the planner ran it on this data. */
  plan: string[];
}

/** Runs the query `count` times (after `warmup`) on one connection, each for one of `conversations` in turn. */
export async function runFloor(
  databaseUrl: string,
  conversations: FloorConversation[],
  o: { signedIn: number; count: number; warmup: number; maxMs: number },
  query: FloorQuery = FLOOR_QUERY,
): Promise<FloorResult> {
  if (conversations.length === 0) throw new Error("floor: no routed conversations to ask about");
  const client = new pg.Client({ connectionString: databaseUrl, application_name: "sb-bench-floor" });
  client.on("error", () => {});
  await client.connect();
  try {
    const name = `floor-${Date.now()}`;
    // A named statement, prepared once, as a tuned client would run its hottest query.
    const run = (i: number) => client.query({ name, text: query.sql, values: query.params(conversations[i % conversations.length]!) });
    for (let i = 0; i < o.warmup; i++) await run(i);
    const latencies: number[] = [];
    let found = 0;
    const start = performance.now();
    for (let i = 0; i < o.count && performance.now() - start < o.maxMs; i++) {
      const t = performance.now();
      const { rowCount } = await run(o.warmup + i);
      latencies.push(performance.now() - t);
      if (rowCount) found++;
    }
    const wall = performance.now() - start;
    const explained = await client.query<{ "QUERY PLAN": string }>(`EXPLAIN (ANALYZE, BUFFERS) ${query.sql}`, query.params(conversations[0]!));
    const plan = explained.rows.map((r) => r["QUERY PLAN"]);
    return { signedIn: o.signedIn, queries: latencies.length, found, queriesPerSecond: latencies.length / (wall / 1000), latency: summarize(latencies), source: query.source, plan };
  } finally {
    await client.end();
  }
}
