// The BENCHMARKS.md section of the timeline benchmark, written from one run's results.
import type { MachineInfo } from "./machine.ts";
import { fmt } from "./stats.ts";
import type { TimelineCase, TimelineResult } from "./timeline.ts";

export const TIMELINE_SECTION_ID = "timeline";
export const TIMELINE_TARGET_P99_MS = 15;

const ms = (n: number) => fmt(n, 2);

/** Flat as history grows: the worst p99 at the largest size against the worst at the smallest. */
function growth(cases: TimelineCase[]): { smallest: number; largest: number; ratio: number } {
  const sizes = [...new Set(cases.map((c) => c.size))].sort((a, b) => a - b);
  const worst = (size: number) => Math.max(...cases.filter((c) => c.size === size).map((c) => c.domain.p99));
  const smallest = worst(sizes[0]!);
  const largest = worst(sizes.at(-1)!);
  return { smallest, largest, ratio: largest / smallest };
}

function worstCombined(r: TimelineResult): number {
  return Math.max(...r.cases.filter((c) => c.filter === "channel=voice&kind=text").map((c) => c.planMs));
}

export function timelineSummaryLines(r: TimelineResult): string[] {
  const worst = Math.max(...r.cases.map((c) => c.domain.p99));
  const queries = [...new Set(r.cases.map((c) => c.queriesPerPage))];
  const g = growth(r.cases);
  return [
    `target ${worst < TIMELINE_TARGET_P99_MS ? "met    " : "NOT met"}: timeline p99 < ${TIMELINE_TARGET_P99_MS} ms at every size — worst ${ms(worst)} ms`,
    `queries per page: ${queries.join(", ")} (every case)`,
    `growth: worst p99 ${ms(g.smallest)} ms at ${fmt(Math.min(...r.cases.map((c) => c.size)))} items, ${ms(g.largest)} ms at ${fmt(Math.max(...r.cases.map((c) => c.size)))} items (×${fmt(g.ratio, 2)})`,
  ];
}

export function renderTimelineSection(r: TimelineResult, machine: MachineInfo, quiet: { busyPct: number }): string {
  const o = r.options;
  const rows = r.cases.map(
    (c) =>
      `| ${fmt(c.size)} | ${c.filter} | ${c.at} | ${c.rows} | ${ms(c.domain.p50)} / ${ms(c.domain.p99)} | ${ms(c.bare.p50)} / ${ms(c.bare.p99)} | ${c.queriesPerPage} | ${ms(c.planMs)} | ${fmt(c.buffers)} | ${c.plan} |`,
  );
  return `## Customer timeline: keyset pages at 100, 10,000 and 100,000 items (issue 11)

Measured ${machine.date}; the machine was ${fmt(quiet.busyPct)}% busy before the run (2 cores shared with other work).

**How.** A fresh \`sb_bench\` (all migrations) gets, set-based (\`test/support/timeline-seed.ts\`, \`generate_series\`), ${fmt(o.noiseItems)} items of other customers (1,000 each) and three customers with ${o.sizes.map((s) => fmt(s)).join(", ")} items: four channels (SMS, voice, email, chat) over twelve conversations, every kind (text, email with its summary, call, voicemail, internal note every 10th, system event every 25th), threes with the same \`created_at\` (id breaks the tie), every 50th with a file, outbound items and notes written by an agent; then \`VACUUM ANALYZE\` (seeding took ${fmt(r.seedSeconds, 1)} s). For each customer and filter (none; \`channel=voice\`, a quarter of the items; \`kind=note\`, under a tenth; \`channel=chat&kind=event\`, 1%; \`channel=voice&kind=text\`, nothing: the worst case, since one index serves the channel and the kind is a filter on its rows) the benchmark walks every page to find the cursors, then times ${fmt(o.iterations)} calls (after ${o.warmup} warm-up calls) of a page of ${o.limit}: the newest page, the page from the middle of the history and the oldest full page. **Domain** is \`timelinePage\` (server/domain/workspace/timeline.ts) called in this process on its own pg pool, one call at a time: its one SQL statement (page, author names, files and email summaries, the change cursor and the cursor's anchor row) and the mapping to the wire view. **Bare SQL** is the keyset read alone, \`SELECT * FROM messages WHERE customer_id = $1 [AND channel/kind filter] [AND (created_at, id) < ($3, $4)] ORDER BY created_at DESC, id DESC LIMIT 51\` with the same conditions (one value as \`=\`), unnamed as \`timelinePage\`'s, on the same pool, in the same run. **Queries** are counted by wrapping the pool's \`query\`. Single-channel and single-kind filters read the indexes \`messages (customer_id, channel | kind, created_at DESC, id DESC)\` of migration 0021: without them a page of a filter few items match walked the customer's whole history (108 ms in PostgreSQL at 100,000 items with nothing matching, 10 ms with 1% matching). **Plan** is \`EXPLAIN (ANALYZE, BUFFERS)\` of the very statement \`timelinePage\` sent (its execution time inside PostgreSQL, the shared buffers it touched and the indexes it read).

### Result (milliseconds, p50 / p99)

| items | filter | page | rows | domain p50 / p99 | bare SQL p50 / p99 | queries | in PostgreSQL | buffers | plan |
| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |
${rows.join("\n")}

### Targets

${timelineSummaryLines(r).map((l) => `- ${l}`).join("\n")}

### What limits it

Inside PostgreSQL a page costs a fraction of a millisecond at every size and depth for every filter the
workspace's chips make (all, one channel, notes): the keyset reads 51 index entries whatever the history
holds. The p99 beside it is the shared machine (the bare SQL's p99 moves with it). The one case that grows
is a filter of a channel **and** a kind that few of that channel's items match (\`channel=voice&kind=text\`,
only through the API): the channel's index is read and the kind filtered, so a page reads that channel's
rows of the customer until it is full (${fmt(worstCombined(r), 1)} ms in PostgreSQL at ${fmt(Math.max(...r.options.sizes))} items). An index on
(customer_id, channel, kind, created_at, id) would serve it, at the cost of a third index on every insert.
`;
}
