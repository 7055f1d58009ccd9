// The customer timeline at 100, 10,000 and 100,000 items: the newest page, a page from the middle and
// one near the oldest, unfiltered and filtered (one channel; notes only), timed through the domain
// function (timelinePage, in this process on its own pool) beside the bare keyset SQL of the same page,
// with the queries each page cost and the plan PostgreSQL chose for it.
import pg from "pg";
import type { Actor } from "../server/domain/auth/permissions.ts";
import { timelinePage, type TimelineFilter } from "../server/domain/workspace/timeline.ts";
import { createAgent } from "../test/support/factories.ts";
import { seedTimeline } from "../test/support/timeline-seed.ts";
import { summarize, type Summary } from "./stats.ts";

export interface TimelineOptions {
  sizes: number[];
  limit: number;
  /** Timed calls per case (after the warm-up). */
  iterations: number;
  warmup: number;
  /** Other customers' rows in the table, so one customer's history is not the whole table. */
  noiseItems: number;
  log: (line: string) => void;
}

export const DEFAULT_TIMELINE_OPTIONS: Omit<TimelineOptions, "log"> = { sizes: [100, 10_000, 100_000], limit: 50, iterations: 400, warmup: 50, noiseItems: 100_000 };

export interface TimelineCase {
  size: number;
  filter: string;
  at: "newest" | "middle" | "oldest";
  rows: number;
  domain: Summary;
  bare: Summary;
  queriesPerPage: number;
  /** The plan's top nodes, and the index it read. */
  plan: string;
  planMs: number;
  buffers: number;
}

export interface TimelineResult {
  options: Omit<TimelineOptions, "log">;
  seedSeconds: number;
  cases: TimelineCase[];
}

const FILTERS: Record<string, TimelineFilter> = {
  all: { channel: [], kind: [] },
  "channel=voice": { channel: ["voice"], kind: [] },
  "kind=note": { channel: [], kind: ["note"] },
  /** A filter few items match (1%): one index serves one list, the other list is a filter on its rows. */
  "channel=chat&kind=event": { channel: ["chat"], kind: ["event"] },
  /** Nothing matches (no texts on voice): the worst case, every voice row of the customer is read. */
  "channel=voice&kind=text": { channel: ["voice"], kind: ["text"] },
};

const list = (column: string, type: string, values: string[]) =>
  values.length === 1 ? `${column} = '${values[0]}'::"${type}"` : `${column} = ANY('{${values.join(",")}}'::"${type}"[])`;

/** The page's SQL with no joins and no mapping: the keyset read the domain function is built on. */
function bareSql(filter: TimelineFilter, withCursor: boolean): string {
  const conditions = [
    "customer_id = $1",
    // The same conditions as timelinePage's: one value as `=`, several as ANY.
    ...(filter.channel.length ? [list("channel", "Channel", filter.channel)] : []),
    ...(filter.kind.length ? [list("kind", "MessageKind", filter.kind)] : []),
    ...(withCursor ? ["(created_at, id) < ($3, $4)"] : []),
  ];
  return `SELECT * FROM messages WHERE ${conditions.join(" AND ")} ORDER BY created_at DESC, id DESC LIMIT $2`;
}

async function time(fn: () => Promise<unknown>, iterations: number, warmup: number): Promise<Summary> {
  for (let i = 0; i < warmup; i++) await fn();
  const samples: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const t0 = performance.now();
    await fn();
    samples.push(performance.now() - t0);
  }
  return summarize(samples);
}

/** The cursors of the page from the middle and the one near the oldest, found by walking the filter's pages. */
async function cursorsOf(pool: pg.Pool, actor: Actor, customerId: string, filter: TimelineFilter, limit: number) {
  const cursors: { cursor: string; oldestId: string }[] = [];
  let before: string | undefined;
  for (;;) {
    const page = await timelinePage({ pool }, actor, { customerId, before, limit, filter });
    if (!page.olderCursor) break;
    cursors.push({ cursor: page.olderCursor, oldestId: page.messages[0]!.id });
    before = page.olderCursor;
  }
  return cursors;
}

export async function runTimeline(databaseUrl: string, options: TimelineOptions): Promise<TimelineResult> {
  const { log } = options;
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 2 });
  pool.on("error", (err) => log(`pool error: ${err.message}`));
  let queries = 0;
  const counted = new Proxy(pool, {
    get(target, prop, receiver) {
      if (prop === "query") return (...args: unknown[]) => (queries++, (target.query as (...a: unknown[]) => unknown).apply(target, args));
      return Reflect.get(target, prop, receiver);
    },
  });
  try {
    const agent = await createAgent(pool, { name: "Bench Agent" });
    const actor: Actor = { id: agent.id, role: "agent", name: agent.name };
    const t0 = performance.now();
    const noise = Math.max(1, Math.floor(options.noiseItems / 1000));
    for (let i = 0; i < noise; i++) await seedTimeline(pool, { items: 1000, authorAgentId: agent.id });
    const customers: { size: number; id: string }[] = [];
    for (const size of options.sizes) {
      customers.push({ size, id: (await seedTimeline(pool, { items: size, authorAgentId: agent.id })).customerId });
      log(`timeline: seeded a customer with ${size.toLocaleString("en-US")} items`);
    }
    await pool.query("VACUUM ANALYZE messages");
    const seedSeconds = (performance.now() - t0) / 1000;
    log(`timeline: seeded in ${seedSeconds.toFixed(1)} s (and ${noise * 1000} items of ${noise} other customers)`);

    const cases: TimelineCase[] = [];
    for (const customer of customers) {
      for (const [filterName, filter] of Object.entries(FILTERS)) {
        const cursors = await cursorsOf(pool, actor, customer.id, filter, options.limit);
        const points: [TimelineCase["at"], { cursor: string; oldestId: string } | undefined][] = [
          ["newest", undefined],
          ["middle", cursors[Math.floor(cursors.length / 2)]],
          ["oldest", cursors.at(-1)],
        ];
        for (const [at, point] of points) {
          if (at !== "newest" && !point) continue; // one page only: no deeper page to read
          const run = () => timelinePage({ pool }, actor, { customerId: customer.id, before: point?.cursor, limit: options.limit, filter });
          queries = 0;
          const sample = await timelinePage({ pool: counted }, actor, { customerId: customer.id, before: point?.cursor, limit: options.limit, filter });
          const queriesPerPage = queries;
          const anchor = point
            ? (await pool.query<{ created_at: Date; id: string }>(`SELECT created_at, id FROM messages WHERE id = $1`, [point.oldestId])).rows[0]!
            : null;
          const sql = bareSql(filter, !!anchor);
          const params = anchor ? [customer.id, options.limit + 1, anchor.created_at, anchor.id] : [customer.id, options.limit + 1];
          // Unnamed, as timelinePage's: planned for these values (a named statement's generic plan can pick another index).
          const bare = () => pool.query(sql, params);
          const domain = await time(run, options.iterations, options.warmup);
          const bareSummary = await time(bare, options.iterations, options.warmup);
          const explained = await explainDomainQuery(pool, customer.id, filter, point?.cursor, options.limit, actor);
          cases.push({ size: customer.size, filter: filterName, at, rows: sample.messages.length, domain, bare: bareSummary, queriesPerPage, ...explained });
          log(`timeline: ${customer.size} items, ${filterName}, ${at}: p50 ${domain.p50.toFixed(2)} ms, p99 ${domain.p99.toFixed(2)} ms (bare SQL p99 ${bareSummary.p99.toFixed(2)} ms), ${queriesPerPage} quer${queriesPerPage === 1 ? "y" : "ies"}, ${explained.plan}`);
        }
      }
    }
    const { log: _log, ...rest } = options;
    return { options: rest, seedSeconds, cases };
  } finally {
    await pool.end();
  }
}

/** EXPLAIN (ANALYZE, BUFFERS) of the very query timelinePage sent, caught on its way to the pool. */
async function explainDomainQuery(pool: pg.Pool, customerId: string, filter: TimelineFilter, before: string | undefined, limit: number, actor: Actor) {
  let caught: { text: string; values: unknown[] } | null = null;
  const catching = new Proxy(pool, {
    get(target, prop, receiver) {
      if (prop === "query")
        return (text: string, values: unknown[]) => {
          caught = { text, values };
          return target.query(text, values);
        };
      return Reflect.get(target, prop, receiver);
    },
  });
  await timelinePage({ pool: catching }, actor, { customerId, before, limit, filter });
  const q = caught as { text: string; values: unknown[] } | null;
  if (!q) throw new Error("timelinePage sent no query");
  const { rows } = await pool.query<{ "QUERY PLAN": unknown }>(`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${q.text}`, q.values);
  const plan = (rows[0]!["QUERY PLAN"] as { Plan: PlanNode; "Execution Time": number }[])[0]!;
  const indexes = new Set<string>();
  const seqScans = new Set<string>();
  const visit = (n: PlanNode) => {
    if (n["Index Name"]) indexes.add(n["Index Name"]);
    if (n["Node Type"] === "Seq Scan") seqScans.add(n["Relation Name"] ?? "?");
    for (const c of n.Plans ?? []) visit(c);
  };
  visit(plan.Plan);
  const described = [...[...indexes].map((i) => `index ${i}`), ...[...seqScans].map((r) => `seq scan ${r}`)].join(", ");
  return { plan: described || plan.Plan["Node Type"], planMs: plan["Execution Time"], buffers: (plan.Plan["Shared Hit Blocks"] ?? 0) + (plan.Plan["Shared Read Blocks"] ?? 0) };
}

interface PlanNode {
  "Node Type": string;
  "Index Name"?: string;
  "Relation Name"?: string;
  "Shared Hit Blocks"?: number;
  "Shared Read Blocks"?: number;
  Plans?: PlanNode[];
}
