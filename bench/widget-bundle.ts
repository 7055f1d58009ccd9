// The chat widget's bundle (dist/widget/widget.js, what a business's page downloads): its size raw and
// compressed, against its budget of 60 kB gzipped (vite.config.ts). Built with `npx vite build --mode widget`
// when missing; a bundle older than the widget's sources is measured but flagged as stale.
import { execFile } from "node:child_process";
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";
import type { MachineInfo } from "./machine.ts";
import { fmt } from "./stats.ts";

export const WIDGET_SECTION_ID = "widget-bundle";
const REPO_ROOT = fileURLToPath(new URL("..", import.meta.url));
export const WIDGET_BUNDLE = "dist/widget/widget.js";
/** 60 kB as vite prints sizes: 1 kB = 1,000 bytes. */
export const WIDGET_BUDGET_BYTES = 60_000;
/** What the bundle is built from: the widget's own files and what they import from shared/. */
const SOURCES = ["client/widget", "shared/chat.ts"];

export type WidgetBundle =
  | {
      missing: false;
      builtNow: boolean;
      bytes: number;
      /** gzip at zlib's default level (6), as `gzip` and most servers and CDNs send it. */
      gzipBytes: number;
      gzip9Bytes: number;
      brotliBytes: number;
      builtAt: string;
      /** The newest source file, when it is newer than the bundle (the bundle is stale). */
      newerSource: { path: string; modifiedAt: string } | null;
    }
  | { missing: true; reason: string };

function newestSource(): { path: string; mtimeMs: number } | null {
  let best: { path: string; mtimeMs: number } | null = null;
  const visit = (rel: string) => {
    const abs = join(REPO_ROOT, rel);
    if (!existsSync(abs)) return;
    const st = statSync(abs);
    if (st.isDirectory()) {
      for (const name of readdirSync(abs)) visit(join(rel, name));
      return;
    }
    if (!best || st.mtimeMs > best.mtimeMs) best = { path: rel, mtimeMs: st.mtimeMs };
  };
  for (const s of SOURCES) visit(s);
  return best;
}

function build(log: (l: string) => void): Promise<string | null> {
  log(`widget: ${WIDGET_BUNDLE} is missing; building it (npx vite build --mode widget)`);
  return new Promise((resolve) => {
    execFile("npx", ["vite", "build", "--mode", "widget"], { cwd: REPO_ROOT, timeout: 180_000, maxBuffer: 16 * 1024 * 1024 }, (err, _stdout, stderr) => {
      resolve(err ? `the build failed: ${(stderr || err.message).trim().split("\n").slice(-3).join(" ")}` : null);
    });
  });
}

export async function measureWidgetBundle(log: (l: string) => void): Promise<WidgetBundle> {
  const file = join(REPO_ROOT, WIDGET_BUNDLE);
  let builtNow = false;
  if (!existsSync(file)) {
    const failure = await build(log);
    if (failure || !existsSync(file)) return { missing: true, reason: failure ?? `the build wrote no ${WIDGET_BUNDLE}` };
    builtNow = true;
  }
  const data = readFileSync(file);
  const st = statSync(file);
  const src = newestSource();
  return {
    missing: false,
    builtNow,
    bytes: data.length,
    gzipBytes: gzipSync(data).length,
    gzip9Bytes: gzipSync(data, { level: 9 }).length,
    brotliBytes: brotliCompressSync(data, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
    builtAt: st.mtime.toISOString().replace(/\.\d+Z$/, "Z"),
    newerSource: src && src.mtimeMs > st.mtimeMs ? { path: src.path, modifiedAt: new Date(src.mtimeMs).toISOString().replace(/\.\d+Z$/, "Z") } : null,
  };
}

const kB = (n: number) => `${fmt(n / 1000, 1)} kB`;

export function widgetWithinBudget(w: WidgetBundle): boolean {
  return !w.missing && w.gzipBytes <= WIDGET_BUDGET_BYTES;
}

export function renderWidgetSection(w: WidgetBundle, m: MachineInfo): string {
  const lines: string[] = [];
  lines.push(`## Chat widget bundle`);
  lines.push("");
  lines.push(
    `Measured ${m.date}: \`${WIDGET_BUNDLE}\`, the one script a business's page loads (\`<script src=".../widget.js">\`), compressed here by Node's zlib. ` +
      `Budget: ${kB(WIDGET_BUDGET_BYTES)} gzipped (1 kB = 1,000 bytes, as vite prints sizes), at gzip's default level 6, which is what \`gzip\` and most servers and CDNs send.`,
  );
  lines.push("");
  if (w.missing) {
    lines.push(`**Not measured: the bundle is missing** (${w.reason}). Build it with \`npx vite build --mode widget\` and run \`npm run bench -- --only chat\`.`);
    return lines.join("\n");
  }
  lines.push(`| figure | bytes | kB | budget | within |`);
  lines.push(`| --- | --- | --- | --- | --- |`);
  lines.push(`| gzip (level 6) | ${fmt(w.gzipBytes)} | ${kB(w.gzipBytes)} | ${kB(WIDGET_BUDGET_BYTES)} | ${w.gzipBytes <= WIDGET_BUDGET_BYTES ? `**yes** (${fmt((100 * w.gzipBytes) / WIDGET_BUDGET_BYTES)}% of it)` : `**no** (${kB(w.gzipBytes - WIDGET_BUDGET_BYTES)} over)`} |`);
  lines.push(`| gzip (level 9) | ${fmt(w.gzip9Bytes)} | ${kB(w.gzip9Bytes)} | | |`);
  lines.push(`| brotli (quality 11) | ${fmt(w.brotliBytes)} | ${kB(w.brotliBytes)} | | |`);
  lines.push(`| raw (minified) | ${fmt(w.bytes)} | ${kB(w.bytes)} | | |`);
  lines.push("");
  lines.push(
    `Bundle built ${w.builtAt}${w.builtNow ? " (by this run: it was missing)" : ""}.` +
      (w.newerSource ? ` **Stale:** \`${w.newerSource.path}\` changed after it (${w.newerSource.modifiedAt}); rebuild and measure again.` : " No widget source file is newer than it."),
  );
  return lines.join("\n");
}
