// The BENCHMARKS.md section of the search benchmark, written from one run's results.
import { COMMON_WORD_MESSAGES, MESSAGE_HITS_SCANNED, INDEX_ENTRIES_SCANNED } from "../server/domain/customers/search-customers.ts";
import type { SearchBenchResult } from "./customer-search.ts";
import type { MachineInfo } from "./machine.ts";
import { fmt } from "./stats.ts";

export const SEARCH_SECTION_ID = "search";
export const SEARCH_TARGET_P99_MS = 50;

export function searchTargetMet(r: SearchBenchResult): boolean {
  return r.all.domain.p99 < SEARCH_TARGET_P99_MS;
}

export function searchSummaryLines(r: SearchBenchResult): string[] {
  return [
    ...r.classes.map((c) => `search ${c.name}: p50/p99 ${fmt(c.domain.p50, 1)}/${fmt(c.domain.p99, 1)} ms (bare SQL ${fmt(c.bare.p50, 1)}/${fmt(c.bare.p99, 1)} ms)`),
    `target ${searchTargetMet(r) ? "met    " : "NOT met"}: search p99 < ${SEARCH_TARGET_P99_MS} ms — ${fmt(r.all.domain.p99, 1)} ms over ${fmt(r.all.domain.count)} searches`,
  ];
}

const ms = (n: number) => fmt(n, 1);
const code = (q: string) => `\`${q.replaceAll("|", "\\|")}\``;

export function renderSearchSection(r: SearchBenchResult, m: MachineInfo, quiet: { busyPct: number; waitedMs: number }): string {
  const o = r.options;
  const lines: string[] = [];
  lines.push(`## Find anyone: customer search at ${fmt(o.customers)} customers and ${fmt(o.messages)} messages`);
  lines.push("");
  lines.push(
    `Measured ${m.date} on ${m.nproc} × ${m.cpuModel}, ${fmt(m.memoryGiB, 1)} GiB, Node ${m.node}, PostgreSQL ${m.postgres} (shared_buffers as the Debian default). ` +
      `The machine was ${fmt(quiet.busyPct)}% busy with other work just before the run${quiet.waitedMs > 1500 ? ` (after waiting ${fmt(quiet.waitedMs / 1000)} s for it to settle)` : ""}; it is shared, so other work may also have run during it.`,
  );
  lines.push("");
  const s = r.seed.seconds;
  lines.push(
    `**How.** \`bench/customer-search-seed.ts\` fills sb_bench (migrated, so with migration 0017's indexes) by set-based SQL: ${fmt(r.seed.customers)} customers named from first × last names in Latin (with accents), Cyrillic, Greek, CJK and Arabic scripts, ` +
      `each with an E.164 phone and an email identity; ${fmt(r.seed.conversations)} conversations; ${fmt(r.seed.messages)} messages and notes (one in 20 a system event) from templates with some 80 products, order numbers and cities, ` +
      `so a word is found in about half of all messages ("order"), in under 1% ("kettle") or in one or two ("481213"); ${fmt(r.seed.merged)} customers merged away. ` +
      `Seeding took ${fmt(Object.values(s).reduce((a, b) => a + b, 0))} s (messages ${fmt(s.messages ?? 0)} s, their indexes built after them ${fmt(s["messages' indexes"] ?? 0)} s, VACUUM ANALYZE ${fmt(s.analyze ?? 0)} s). ` +
      `Then ${o.rounds} rounds (after one warm-up round) of the mix below, one search at a time: each query through \`searchCustomers\` (the domain function the route calls: its transaction with the scan bounds, phone parsing, mapping) ` +
      `and, beside it, the same SQL statement alone on one connection with the same bounds set for the session (the floor), alternating which goes first. Limit ${o.limit}.`,
  );
  lines.push("");
  lines.push(`| data | rows | table MB | search indexes (MB) |`);
  lines.push(`| --- | --- | --- | --- |`);
  for (const t of r.sizes) lines.push(`| ${t.table} | ${fmt(t.rows)} | ${fmt(t.tableMb)} | ${t.indexes.map((i) => `${i.name} ${fmt(i.mb, 1)}`).join(", ") || "–"} |`);
  lines.push("");
  lines.push(`| queries | searches | search p50 / p99 ms | bare SQL p50 / p99 ms | max ms (search / SQL) |`);
  lines.push(`| --- | --- | --- | --- | --- |`);
  for (const c of r.classes) {
    lines.push(`| ${c.name}: ${c.queries.map(code).join(", ")} | ${fmt(c.domain.count)} | ${ms(c.domain.p50)} / **${ms(c.domain.p99)}** | ${ms(c.bare.p50)} / ${ms(c.bare.p99)} | ${ms(c.domain.max)} / ${ms(c.bare.max)} |`);
  }
  lines.push(`| **all** | ${fmt(r.all.domain.count)} | ${ms(r.all.domain.p50)} / **${ms(r.all.domain.p99)}** | ${ms(r.all.bare.p50)} / ${ms(r.all.bare.p99)} | ${ms(r.all.domain.max)} / ${ms(r.all.bare.max)} |`);
  lines.push("");
  lines.push(`**Target:** search p99 under ${SEARCH_TARGET_P99_MS} ms: **${searchTargetMet(r) ? "met" : "not met"}** (${ms(r.all.domain.p99)} ms).`);
  lines.push("");
  lines.push(`**What each query found, and the search indexes its plan used** (EXPLAIN ANALYZE on this data; a table read whole would show as seq:<table>):`);
  lines.push("");
  lines.push(`| query | search p50 / p99 ms | bare SQL p50 / p99 ms | results | best matched on | search indexes in the plan |`);
  lines.push(`| --- | --- | --- | --- | --- | --- |`);
  for (const c of r.classes) {
    for (const [i, q] of c.queries.entries()) {
      const res = c.results[i];
      const common = res?.tooCommon.length ? ` (messages not searched: ${res.tooCommon.map(code).join(", ")} too common)` : "";
      lines.push(
        `| ${code(q)} | ${res ? `${ms(res.domain.p50)} / ${ms(res.domain.p99)}` : "–"} | ${res ? `${ms(res.bare.p50)} / ${ms(res.bare.p99)}` : "–"} | ${res?.count ?? "–"}${common} | ${res?.matchedOn ?? "–"} | ${c.indexes[i]?.names.join(", ") || "–"} |`,
      );
    }
  }
  lines.push("");
  lines.push(
    `**Bounds.** A word that the full-text index's statistics (ANALYZE) put in more than ${fmt(COMMON_WORD_MESSAGES)} messages is not searched in messages alone: ` +
      `the answer names it in \`tooCommon\` and the box asks for another word (with a rarer word beside it, it is searched). Other scans are bounded too: the search sets \`gin_fuzzy_search_limit = ${INDEX_ENTRIES_SCANNED}\` for its transaction, ` +
      `so an index scan that matches more than that (a word in some 10,000 messages, a name prefix shared by 1,666 Josés) returns a sample of about that many entries, and narrower queries are found exactly; message hits are the newest ${MESSAGE_HITS_SCANNED} of those. ` +
      `The search also runs without parallel workers: starting them costs more than a keystroke's query. One Latin letter is not searched (a third of all names start with it); one CJK character is (a whole family name).`,
  );
  return lines.join("\n");
}
