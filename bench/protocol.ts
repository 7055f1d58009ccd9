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
  /** Garbage-collection pauses in the app during the window (PerformanceObserver "gc"). */
  gc?: { count: number; totalMs: number; maxMs: number };
}

export interface QueryTiming {
  label: string;
  calls: number;
  meanMs: number;
  p99Ms: number;
  maxMs?: number;
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
  /** The same by command name (MULTI/EXEC and their commands, XADD, EVALSHA for BullMQ's scripts…), most calls first. */
  redisCommands?: QueryTiming[];
  /** The app's V8 CPU profile over the step, boiled down. */
  cpu: CpuBreakdown | null;
}

/** The app process's memory (process.memoryUsage(), bytes), taken after a full GC when the child runs with --expose-gc. */
export interface MemoryReport {
  rss: number;
  heapTotal: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
  /** Whether a full GC ran just before (the child was started with --expose-gc). */
  gc: boolean;
  /** Sockets connected to the /chat namespace, and engine.io connections (all namespaces), as the server counts them. */
  chatSockets: number;
  engineClients: number;
  /** Open file descriptors of the app process (/proc/self/fd), -1 when unknown. */
  fds: number;
  /**
   * Packets socket.io keeps for connection state recovery (every emit, to one socket or a room, is kept
   * for maxDisconnectionDuration in the namespace's adapter), over all namespaces: count and JSON size.
   */
  recoveryBuffer: { packets: number; jsonBytes: number };
}

export type ChildRequest =
  | { type: "window:start" }
  | { type: "memory"; gc: boolean }
  | { type: "window:end" }
  | { type: "profile:on" }
  | { type: "profile:off" }
  | { type: "board:stats" }
  | { type: "close" };

export type ChildReply =
  | ChildReady
  | { type: "window:started" }
  | { type: "window:stats"; stats: WindowStats }
  | { type: "profile:started" }
  | { type: "profile:report"; report: ProfileReport }
  | { type: "memory:report"; memory: MemoryReport }
  /** The live board feed's counters so far (server/realtime/board-feed.ts stats()). */
  | { type: "board:stats"; stats: { events: number; reads: number; fullReads: number; updates: number } }
  | { type: "closed" };
