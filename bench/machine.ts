// The machine a figure was measured on, and CPU accounting from /proc (Linux) for the processes
// that share it during a benchmark: the app child, PostgreSQL, Redis, the load generator, everything.
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import os from "node:os";
import { Redis } from "ioredis";
import pg from "pg";

export interface MachineInfo {
  date: string;
  nproc: number;
  cpuModel: string;
  memoryGiB: number;
  node: string;
  postgres: string;
  redis: string;
  os: string;
}

export async function machineInfo(databaseUrl: string, redisUrl: string): Promise<MachineInfo> {
  let nproc = os.availableParallelism();
  try {
    nproc = Number(execFileSync("nproc", { encoding: "utf8" }).trim()) || nproc;
  } catch {
    // nproc missing: os.availableParallelism() is the same figure
  }
  let cpuModel = os.cpus()[0]?.model ?? "unknown";
  try {
    const line = readFileSync("/proc/cpuinfo", "utf8").split("\n").find((l) => l.startsWith("model name"));
    if (line) cpuModel = line.split(":").slice(1).join(":").trim();
  } catch {
    // not Linux
  }
  const c = new pg.Client({ connectionString: databaseUrl });
  await c.connect();
  const postgres = (await c.query<{ server_version: string }>("SHOW server_version")).rows[0]!.server_version;
  await c.end();
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 3 });
  const info = await redis.info("server");
  redis.disconnect();
  return {
    date: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
    nproc,
    cpuModel,
    memoryGiB: os.totalmem() / 1024 ** 3,
    node: process.version,
    postgres,
    redis: /redis_version:(\S+)/.exec(info)?.[1] ?? "unknown",
    os: `${os.type()} ${os.release()}`,
  };
}

let clkTck = 100;
try {
  clkTck = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
} catch {
  // the usual Linux value
}

/** CPU seconds so far of every process whose command name is `comm` (e.g. postgres, redis-server), with its reaped children's. */
export function cpuSecondsByComm(): Map<string, number> {
  const out = new Map<string, number>();
  let pids: string[] = [];
  try {
    pids = readdirSync("/proc").filter((d) => /^\d+$/.test(d));
  } catch {
    return out;
  }
  for (const pid of pids) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    } catch {
      continue; // exited meanwhile
    }
    const open = stat.indexOf("(");
    const close = stat.lastIndexOf(")");
    const comm = stat.slice(open + 1, close);
    const fields = stat.slice(close + 2).split(" ");
    // After "(comm) ": state is [0]; utime [11], stime [12], cutime [13], cstime [14] (fields 14–17 of proc(5)).
    // cutime/cstime: the CPU of its children that have exited and been reaped. A Postgres backend's CPU moves
    // there (into the postmaster's) when it exits, e.g. a pooled connection closed for idleness mid-window; without
    // it the sum would drop and the window's Postgres CPU could come out negative.
    const ticks = Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
    out.set(comm, (out.get(comm) ?? 0) + ticks / clkTck);
  }
  return out;
}

/** CPU seconds (user + system) a process has used so far; NaN once it has exited. */
export function cpuSecondsOfPid(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / clkTck;
  } catch {
    return Number.NaN;
  }
}

/** Busy and total CPU seconds of the whole machine (all cores), from /proc/stat. */
function machineSeconds(): { busy: number; total: number } {
  try {
    const line = readFileSync("/proc/stat", "utf8").split("\n")[0]!;
    const v = line.trim().split(/\s+/).slice(1).map(Number);
    const total = v.reduce((a, b) => a + b, 0);
    const idle = (v[3] ?? 0) + (v[4] ?? 0);
    return { busy: (total - idle) / clkTck, total: total / clkTck };
  } catch {
    return { busy: Number.NaN, total: Number.NaN };
  }
}

/** CPU used during a window, as a percentage of one core (200% = both cores of a 2-core machine). */
export interface CpuShare {
  wallMs: number;
  appPct: number;
  postgresPct: number;
  redisPct: number;
  loadGeneratorPct: number;
  /** Of postgresPct: the backends serving the benchmark's database (the rest is other databases and Postgres's own workers). */
  postgresBenchPct: number;
  /** Busy share of the whole machine, 0–100% of all cores together. */
  machineBusyPct: number;
  /** Everything else that ran meanwhile (other people's tests, editors…), % of one core. */
  otherPct: number;
}

export interface CpuProbe {
  /** postgresPidsNow: the backends at the end; one not there at the start began during the window (counted from 0). */
  stop(postgresPidsNow?: number[]): CpuShare;
}

/**
 * appPid: the app child to account for separately (null when no app is running);
 * postgresPids: the backends of the benchmark's database (from pg_stat_activity).
 */
export function startCpuProbe(appPid: number | null, postgresPids: number[] = []): CpuProbe {
  const t0 = performance.now();
  const comm0 = cpuSecondsByComm();
  const pg0 = postgresPids.map(cpuSecondsOfPid);
  const app0 = appPid === null ? 0 : cpuSecondsOfPid(appPid);
  const self0 = process.cpuUsage();
  const m0 = machineSeconds();
  return {
    stop(postgresPidsNow = []) {
      const wall = performance.now() - t0;
      const started = postgresPidsNow.filter((pid) => !postgresPids.includes(pid));
      const comm1 = cpuSecondsByComm();
      const app1 = appPid === null ? 0 : cpuSecondsOfPid(appPid);
      const self = process.cpuUsage(self0);
      const m1 = machineSeconds();
      const pg1 = postgresPids.map(cpuSecondsOfPid);
      const pct = (seconds: number) => (100 * seconds * 1000) / wall;
      const delta = (name: string) => (comm1.get(name) ?? 0) - (comm0.get(name) ?? 0);
      const share: Omit<CpuShare, "otherPct"> = {
        wallMs: wall,
        appPct: pct(app1 - app0),
        postgresPct: pct(delta("postgres")),
        redisPct: pct(delta("redis-server")),
        loadGeneratorPct: pct((self.user + self.system) / 1e6),
        // A backend that exited during the window drops out (NaN) rather than counting wrong.
        postgresBenchPct: pct(
          pg1.reduce((a, v, i) => a + (Number.isFinite(v) && Number.isFinite(pg0[i]!) ? v - pg0[i]! : 0), 0) +
            started.map(cpuSecondsOfPid).reduce((a, v) => a + (Number.isFinite(v) ? v : 0), 0),
        ),
        machineBusyPct: (100 * (m1.busy - m0.busy)) / (m1.total - m0.total),
      };
      const ours = share.appPct + share.postgresPct + share.redisPct + share.loadGeneratorPct;
      return { ...share, otherPct: Math.max(0, (share.machineBusyPct * os.availableParallelism()) - ours) };
    },
  };
}

/**
 * Waits (bounded) until the machine is quiet enough to measure: samples its busy share for 1 s at a
 * time until it is below thresholdPct, or maxWaitMs has passed. Returns the last sample.
 */
export async function waitForQuietMachine(thresholdPct: number, maxWaitMs: number, log: (l: string) => void): Promise<{ busyPct: number; waitedMs: number }> {
  const t0 = performance.now();
  for (;;) {
    const a = machineSeconds();
    await new Promise((r) => setTimeout(r, 1000));
    const b = machineSeconds();
    const busyPct = (100 * (b.busy - a.busy)) / (b.total - a.total);
    const waitedMs = performance.now() - t0;
    if (!(busyPct > thresholdPct) || waitedMs >= maxWaitMs) return { busyPct, waitedMs };
    log(`machine ${busyPct.toFixed(0)}% busy with other work; waiting for it to settle (${(waitedMs / 1000).toFixed(0)} s of at most ${maxWaitMs / 1000} s)`);
  }
}
