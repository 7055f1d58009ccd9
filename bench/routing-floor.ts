// The routing benchmark's floor: the router's bare candidate query (which agent gets this conversation), run
// on the benchmark's data in the same run, one query at a time on one connection, with the parameters of
// conversations the steps routed. What the router adds beside it (its transaction, the offer, the job queue,
// the event stream, the socket) is the difference between the two.
import pg from "pg";
import { LOAD_SQL, REACHABLE_SQL, CAPACITY_SQL } from "../server/domain/routing/match.ts";
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

/**
 * A copy of the candidate query of server/domain/routing/match.ts as it stood before issue 9's rewrite
 * (bestAgentFor: skills, capacity recounted per candidate, last agent, least loaded, longest idle; it has no
 * queue membership and runs under the global advisory lock, not taken here). Used only until the rewritten
 * router exports CANDIDATE_AGENT_SQL.
 */
const PRE_ISSUE_9_CANDIDATE_SQL = `WITH last_agent AS (
     SELECT assigned_agent_id AS id FROM conversations
      WHERE customer_id = $2 AND assigned_agent_id IS NOT NULL AND id <> $3
      ORDER BY last_message_at DESC LIMIT 1
   ), candidates AS (
     SELECT a.id, a.last_assigned_at, ${LOAD_SQL("a.id", '$1::"Channel"')} AS load, ${CAPACITY_SQL('$1::"Channel"')} AS capacity
       FROM agents a
      WHERE a.presence = 'available' AND a.skills @> $4::text[] AND ${REACHABLE_SQL('$1::"Channel"')}
        AND NOT EXISTS (SELECT 1 FROM offers d WHERE d.conversation_id = $3 AND d.agent_id = a.id
                          AND d.status IN ('rejected', 'timed_out')
                          AND d.responded_at > now() - make_interval(secs => 60))
   )
   SELECT c.id FROM candidates c
    WHERE c.load < c.capacity
    ORDER BY (c.id = (SELECT id FROM last_agent)) IS TRUE DESC, c.load::float / c.capacity ASC, c.last_assigned_at ASC NULLS FIRST, c.id
    LIMIT 1`;

export const FLOOR_QUERY: FloorQuery = {
  source: "local copy of the pre-issue-9 candidate query (bench/routing-floor.ts: PRE_ISSUE_9_CANDIDATE_SQL)",
  sql: PRE_ISSUE_9_CANDIDATE_SQL,
  params: (c) => [c.channel, c.customerId, c.id, c.requiredSkills],
};

export interface FloorResult {
  signedIn: number;
  queries: number;
  /** Queries that found an agent. */
  found: number;
  queriesPerSecond: number;
  latency: Summary;
  source: string;
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
    return { signedIn: o.signedIn, queries: latencies.length, found, queriesPerSecond: latencies.length / (wall / 1000), latency: summarize(latencies), source: query.source };
  } finally {
    await client.end();
  }
}
