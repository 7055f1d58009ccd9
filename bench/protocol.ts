import type { CpuBreakdown } from "./cpu-profile.ts";

// Messages between the load generator (bench/run.ts) and the app child (bench/app-server.ts) over IPC.

export interface ChildReady {
  type: "ready";
  url: string;
  port: number;
  publicUrl: string;
  accountSid: string;
  authToken: string;
  businessNumber: string;
  dbPoolSize: number;
}

/** What the app process did during one measurement window. */
export interface WindowStats {
  wallMs: number;
  /** CPU time of the app process (user + system), ms. */
  cpuMs: number;
  eventLoopDelayMs: { p50: number; p99: number; max: number };
  /** pg pool, sampled every 5 ms: requests waiting for a connection, and connections open. */
  poolWaiting: { mean: number; max: number };
  poolTotalMax: number;
}

export interface QueryTiming {
  label: string;
  calls: number;
  meanMs: number;
  p99Ms: number;
}

export interface ProfileReport {
  messages: number;
  queries: QueryTiming[];
  /** Time from asking the pool for a connection to getting one. */
  poolConnect: { calls: number; meanMs: number; p99Ms: number };
  /** BEGIN sent → COMMIT answered, per transaction. */
  transaction: { calls: number; meanMs: number; p99Ms: number };
  /** Redis pipelines (the event stream XADD) and single commands sent by the app, exec → answer. */
  redis: { calls: number; meanMs: number; p99Ms: number };
  /** The app's V8 CPU profile over the step, boiled down. */
  cpu: CpuBreakdown | null;
}

export type ChildRequest =
  | { type: "window:start" }
  | { type: "window:end" }
  | { type: "profile:on" }
  | { type: "profile:off" }
  | { type: "close" };

export type ChildReply =
  | ChildReady
  | { type: "window:started" }
  | { type: "window:stats"; stats: WindowStats }
  | { type: "profile:started" }
  | { type: "profile:report"; report: ProfileReport }
  | { type: "closed" };
