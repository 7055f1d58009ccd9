// BENCHMARKS.md is shared by every benchmark: a machine header and one section per benchmark, each
// between HTML comment markers, so a run rewrites only the header and its own section.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { MachineInfo } from "./machine.ts";
import { fmt } from "./stats.ts";

export const BENCHMARKS_FILE = fileURLToPath(new URL("../BENCHMARKS.md", import.meta.url));

const INTRO = `# Benchmarks

Written by \`npm run bench\` (bench/run.ts); do not edit between the markers by hand, a run rewrites them.
Performance is measured here, never by timed assertions in tests. Each figure stands beside its floor:
the same work done by the raw engine (e.g. the bare SQL insert), measured in the same run on the same machine.
`;

export function machineLines(m: MachineInfo): string {
  return [
    `| machine | |`,
    `| --- | --- |`,
    `| date | ${m.date} |`,
    `| cores (\`nproc\`) | ${m.nproc} |`,
    `| CPU | ${m.cpuModel} |`,
    `| memory | ${fmt(m.memoryGiB, 1)} GiB |`,
    `| OS | ${m.os} |`,
    `| Node | ${m.node} |`,
    `| PostgreSQL | ${m.postgres} (local, loopback) |`,
    `| Redis | ${m.redis} (local, loopback) |`,
  ].join("\n");
}

const begin = (id: string) => `<!-- bench:${id}:begin -->`;
const end = (id: string) => `<!-- bench:${id}:end -->`;

/** Replaces the block between the markers of `id` (appends it when absent) and returns the new text. */
export function replaceSection(doc: string, id: string, body: string): string {
  const block = `${begin(id)}\n${body.trim()}\n${end(id)}`;
  const b = doc.indexOf(begin(id));
  const e = doc.indexOf(end(id));
  if (b >= 0 && e > b) return doc.slice(0, b) + block + doc.slice(e + end(id).length);
  return `${doc.trimEnd()}\n\n${block}\n`;
}

/** Rewrites the machine header and the one section `id` of BENCHMARKS.md, leaving the others as they are. */
export function writeBenchmarkSection(id: string, body: string, machine: MachineInfo): void {
  let doc = existsSync(BENCHMARKS_FILE) ? readFileSync(BENCHMARKS_FILE, "utf8") : INTRO;
  if (!doc.includes(begin("machine"))) {
    doc = `${doc.trimEnd()}\n\n${begin("machine")}\n${end("machine")}\n`;
  }
  doc = replaceSection(doc, "machine", `## Machine (last run)\n\n${machineLines(machine)}`);
  doc = replaceSection(doc, id, body);
  writeFileSync(BENCHMARKS_FILE, doc.trimEnd() + "\n");
}
