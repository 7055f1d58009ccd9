// A V8 CPU profile of the app taken through node:inspector during the profile step, boiled down to
// where its busy time went: socket writes per peer (each SQL statement is one write to Postgres), and
// the functions and packages with the most self time.
import { Session } from "node:inspector";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface V8Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface CpuBreakdown {
  busyMs: number;
  idleMs: number;
  /** Busy time spent writing to sockets (the writev/write syscalls), by peer. */
  socketWrites: { peer: string; ms: number; pct: number }[];
  /** Self time by package (node_modules/<pkg>), Node internals (node:…), the product's own files, GC. */
  packages: { name: string; ms: number; pct: number }[];
}

const REPO = new URL("..", import.meta.url).href;
const WRITE_FUNCTIONS = new Set(["writev", "writeBuffer", "writeUtf8String", "writeLatin1String", "writeAsciiString"]);

function packageOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith("(") ? functionName : `(native) ${functionName}`;
  const nm = url.lastIndexOf("node_modules/");
  if (nm >= 0) {
    const parts = url.slice(nm + "node_modules/".length).split("/");
    return parts[0]!.startsWith("@") ? `${parts[0]}/${parts[1]}` : parts[0]!;
  }
  if (url.startsWith("node:")) return "node internals";
  const path = url.startsWith(REPO) ? url.slice(REPO.length) : url;
  return path.startsWith("bench/") ? `${path} (the benchmark's timing hooks)` : path;
}

export function analyse(profile: V8Profile): CpuBreakdown {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));

  let busy = 0;
  let idle = 0;
  const writes = new Map<string, number>();
  const packages = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const node = byId.get(id)!;
    const { functionName, url } = node.callFrame;
    if (functionName === "(idle)") {
      idle += us;
      continue;
    }
    // The in-process inspector session itself (Profiler.stop building the profile): not the app's work.
    if (functionName === "dispatch" && !url) continue;
    busy += us;
    const pkg = packageOf(url, functionName);
    packages.set(pkg, (packages.get(pkg) ?? 0) + us);
    if (!WRITE_FUNCTIONS.has(functionName)) continue;
    let peer = "other";
    for (let cur = parent.get(id); cur !== undefined; cur = parent.get(cur)) {
      const u = byId.get(cur)!.callFrame.url;
      if (u.includes("/pg/lib/")) peer = "Postgres (pg)";
      else if (u.includes("/ioredis/")) peer = "Redis (ioredis)";
      else if (u.includes("/ws/lib/")) peer = "agent websocket (socket.io)";
      else if (u.includes("_http_outgoing") || u.includes("_http_server")) peer = "HTTP responses";
      else continue;
      break;
    }
    writes.set(peer, (writes.get(peer) ?? 0) + us);
  }
  const rows = (m: Map<string, number>) =>
    [...m.entries()].map(([k, us]) => ({ ms: us / 1000, pct: (100 * us) / busy, k })).sort((a, b) => b.ms - a.ms);
  return {
    busyMs: busy / 1000,
    idleMs: idle / 1000,
    socketWrites: rows(writes).map(({ k, ms, pct }) => ({ peer: k, ms, pct })),
    packages: rows(packages).slice(0, 12).map(({ k, ms, pct }) => ({ name: k, ms, pct })),
  };
}

/** Starts the sampling profiler in this process; the returned function stops it and returns the breakdown. */
export function startCpuProfile(): () => Promise<CpuBreakdown> {
  const session = new Session();
  session.connect();
  const post = (method: string, params?: object) =>
    new Promise<unknown>((resolve, reject) => session.post(method, params ?? {}, (err, res) => (err ? reject(err) : resolve(res))));
  const started = post("Profiler.enable").then(() => post("Profiler.start"));
  return async () => {
    await started;
    const res = (await post("Profiler.stop")) as { profile: V8Profile };
    await post("Profiler.disable").catch(() => {});
    session.disconnect();
    return analyse(res.profile);
  };
}
