// The search benchmark (issue 11, item 4): 100,000 customers and 2,000,000 messages seeded by set-based SQL,
// then a bounded mix of what agents type (name prefixes, phones written other ways, emails, message words,
// nothing found) through the domain function searchCustomers, each beside the bare SQL of the same statement
// sent alone on one connection with the same settings: the floor. The domain runs in this process, as the
// server would run it: its time is the server's time for a search (HTTP and the session lookup are not in it).
import pg from "pg";
import { formatPhone } from "../shared/phone.ts";
import { commonWords, INDEX_ENTRIES_SCANNED, searchCustomers, searchStatement, type SearchStatement } from "../server/domain/customers/search-customers.ts";
import { seedSearchData, SEARCH_SEED_AREA_CODES, type SearchSeed, type SearchSeedOptions } from "./customer-search-seed.ts";
import { summarize, type Summary } from "./stats.ts";

export interface SearchBenchOptions extends SearchSeedOptions {
  /** Rounds over the whole mix, after one warm-up round; each round runs every query once each way. */
  rounds: number;
  limit: number;
  log: (l: string) => void;
}

export const DEFAULT_SEARCH_OPTIONS: Omit<SearchBenchOptions, "log"> = {
  customers: 100_000,
  messages: 2_000_000,
  conversationsPerCustomer: 2.5,
  rounds: 30,
  limit: 10,
};

export interface QueryClass {
  name: string;
  queries: string[];
}

export interface ClassResult {
  name: string;
  queries: string[];
  domain: Summary;
  bare: Summary;
  /** Per query: results (the first round's), what the best one matched on, words left out as too common, its own times. */
  results: { q: string; count: number; matchedOn: string | null; tooCommon: string[]; domain: Summary; bare: Summary }[];
  /** The search indexes the statement's plan used, and any table it read whole (EXPLAIN ANALYZE on the seeded data), by query. */
  indexes: { q: string; names: string[]; planMs: number }[];
}

export interface SearchBenchResult {
  options: Omit<SearchBenchOptions, "log">;
  seed: SearchSeed;
  sizes: { table: string; rows: number; tableMb: number; indexes: { name: string; mb: number }[] }[];
  classes: ClassResult[];
  all: { domain: Summary; bare: Summary };
  wallSeconds: number;
}

/** Customer g's phone as the seed wrote it (see customer-search-seed.ts). */
function seededPhone(g: number): string {
  return `+1${SEARCH_SEED_AREA_CODES[g % SEARCH_SEED_AREA_CODES.length]}${2_000_000 + ((g * 7) % 7_999_999)}`;
}

export function queryMix(): QueryClass[] {
  const p1 = seededPhone(4242); // +1 NPA NXX XXXX
  const p2 = seededPhone(77_001);
  const p3 = seededPhone(31_337);
  const national = (e164: string) => e164.slice(2);
  const dashed = (e164: string) => `(${e164.slice(2, 5)}) ${e164.slice(5, 8)}-${e164.slice(8)}`;
  return [
    { name: "name prefix", queries: ["jos", "maría gar", "lópez", "smi", "will", "иван", "山田", "kowal", "zoe sh", "ch"] },
    { name: "phone, other formats", queries: [dashed(p1), national(p2), formatPhone(p3), `${p1.slice(5, 8)} ${p1.slice(8)}`, p2.slice(-4)] },
    { name: "email", queries: ["mary.anderson1@mail.example.net", "DAVID.FISCHER2@EXAMPLE.ORG", "garcia12", "lopez4@exam"] },
    { name: "message word", queries: ["kettle", "espresso", "refund", "order", "blue kettle", "481213", "order 481213", "invoice"] },
    { name: "no hit", queries: ["qwertyzzz", "xylophonist", "+1 999 000 0000"] },
  ];
}

/** The search indexes a plan used, and the tables it read whole ("seq:<table>"): there should be none. */
function planAccess(plan: unknown, out = new Set<string>()): Set<string> {
  if (Array.isArray(plan)) plan.forEach((p) => planAccess(p, out));
  else if (plan && typeof plan === "object") {
    const node = plan as Record<string, unknown>;
    if (typeof node["Index Name"] === "string" && /trgm|fts|kind_value/.test(node["Index Name"])) out.add(node["Index Name"]);
    if (node["Node Type"] === "Seq Scan") out.add(`seq:${String(node["Relation Name"])}`);
    for (const v of Object.values(node)) if (v && typeof v === "object") planAccess(v, out);
  }
  return out;
}

async function tableSizes(pool: pg.Pool): Promise<SearchBenchResult["sizes"]> {
  const out: SearchBenchResult["sizes"] = [];
  for (const table of ["customers", "identities", "conversations", "messages"]) {
    const { rows } = await pool.query<{ rows: string; mb: number }>(`SELECT reltuples::bigint AS rows, pg_relation_size(oid) / 1048576.0 AS mb FROM pg_class WHERE relname = $1`, [table]);
    const idx = await pool.query<{ name: string; mb: number }>(
      `SELECT c.relname AS name, pg_relation_size(c.oid) / 1048576.0 AS mb FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
        WHERE i.indrelid = $1::regclass AND c.relname ~ '(trgm|fts)' ORDER BY c.relname`,
      [table],
    );
    out.push({ table, rows: Number(rows[0]!.rows), tableMb: Number(rows[0]!.mb), indexes: idx.rows.map((r) => ({ name: r.name, mb: Number(r.mb) })) });
  }
  return out;
}

export async function runCustomerSearch(databaseUrl: string, o: SearchBenchOptions): Promise<SearchBenchResult> {
  const t0 = performance.now();
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 4 });
  pool.on("error", (err) => o.log(`bench pool: ${err.message}`));
  // The floor: one connection with the domain's bounds set for the session, so each search is one statement.
  const bare = new pg.Client({ connectionString: databaseUrl });
  try {
    o.log(`search: seeding ${o.customers.toLocaleString("en-US")} customers and ${o.messages.toLocaleString("en-US")} messages (set-based SQL)`);
    const seed = await seedSearchData(pool, o, o.log);
    const sizes = await tableSizes(pool);
    await bare.connect();
    await bare.query(`SET gin_fuzzy_search_limit = ${INDEX_ENTRIES_SCANNED}; SET max_parallel_workers_per_gather = 0`);
    const deps = { pool, defaultCountry: "US" };
    const actor = { id: "00000000-0000-0000-0000-000000000000", role: "agent" as const, name: "Bench Agent" };
    const mix = queryMix();

    // The floor's statements, built once (with the common words the domain looks up each time).
    const statements = new Map<string, SearchStatement>();
    for (const c of mix) for (const q of c.queries) statements.set(q, searchStatement(q, { limit: o.limit, defaultCountry: "US", commonWords: await commonWords(bare, q) }));
    const classes: ClassResult[] = [];
    for (const c of mix) {
      const indexes: ClassResult["indexes"] = [];
      for (const q of c.queries) {
        const st = statements.get(q)!;
        const t = performance.now();
        const { rows } = await bare.query<{ "QUERY PLAN": unknown }>({ text: `EXPLAIN (ANALYZE, FORMAT JSON) ${st.text}`, values: st.values });
        indexes.push({ q, names: [...planAccess(rows[0]!["QUERY PLAN"])].sort(), planMs: performance.now() - t });
      }
      classes.push({ name: c.name, queries: c.queries, domain: summarize([]), bare: summarize([]), results: [], indexes });
    }

    const samples = mix.map(() => ({ domain: [] as number[], bare: [] as number[] }));
    const perQuery = new Map<string, { domain: number[]; bare: number[] }>(mix.flatMap((c) => c.queries.map((q) => [q, { domain: [], bare: [] }] as const)));
    for (let round = 0; round <= o.rounds; round++) {
      for (const [ci, c] of mix.entries()) {
        for (const q of c.queries) {
          // Alternate which goes first, so neither always finds the other's pages just read.
          const order = round % 2 === 0 ? ["domain", "bare"] : ["bare", "domain"];
          for (const way of order) {
            const t = performance.now();
            if (way === "domain") {
              const { results, tooCommon } = await searchCustomers(deps, actor, { q, limit: o.limit });
              if (round === 0) classes[ci]!.results.push({ q, count: results.length, matchedOn: results[0]?.matchedOn ?? null, tooCommon, domain: summarize([]), bare: summarize([]) });
            } else {
              await bare.query(statements.get(q)!);
            }
            // Round 0 warms the caches and is not counted.
            if (round > 0) {
              samples[ci]![way as "domain" | "bare"].push(performance.now() - t);
              perQuery.get(q)![way as "domain" | "bare"].push(performance.now() - t);
            }
          }
        }
      }
      if (round > 0 && round % 10 === 0) o.log(`  round ${round}/${o.rounds}`);
    }
    classes.forEach((c, i) => {
      c.domain = summarize(samples[i]!.domain);
      c.bare = summarize(samples[i]!.bare);
      for (const r of c.results) {
        r.domain = summarize(perQuery.get(r.q)!.domain);
        r.bare = summarize(perQuery.get(r.q)!.bare);
      }
    });
    return {
      options: { customers: o.customers, messages: o.messages, conversationsPerCustomer: o.conversationsPerCustomer, rounds: o.rounds, limit: o.limit },
      seed,
      sizes,
      classes,
      all: { domain: summarize(samples.flatMap((s) => s.domain)), bare: summarize(samples.flatMap((s) => s.bare)) },
      wallSeconds: (performance.now() - t0) / 1000,
    };
  } finally {
    await bare.end().catch(() => {});
    await pool.end().catch(() => {});
  }
}
