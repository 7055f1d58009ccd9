// Which agents have a socket open, across every server process. Each process records its own sockets in
// Redis (one sorted set per agent, members `<process>:<socket id>`, scored by when the entry lapses) and
// refreshes them on a heartbeat: a process that dies stops refreshing and its entries lapse, and a Redis
// that restarts empty gets them all back on the next heartbeat (also sent at once on reconnect). Nothing
// here has to survive Redis: each process's own sockets are the truth it re-publishes.
import { randomBytes } from "node:crypto";
import type { Redis } from "ioredis";
import type { Logger } from "../log.ts";

const HEARTBEAT_MS = 5000;
/** Three missed heartbeats and a process's entries lapse. */
const LAPSE_MS = 3 * HEARTBEAT_MS;

const keyOf = (prefix: string, agentId: string) => `${prefix}:agent-sockets:${agentId}`;

export interface AgentSocketRegistry {
  add(agentId: string, socketId: string): Promise<void>;
  remove(agentId: string, socketId: string): Promise<void>;
  close(): void;
}

export function trackAgentSockets(redis: Redis, prefix: string, log: Logger): AgentSocketRegistry {
  const processId = randomBytes(6).toString("hex");
  const local = new Map<string, Set<string>>();
  const member = (socketId: string) => `${processId}:${socketId}`;

  const refresh = async () => {
    if (local.size === 0) return;
    // Scores use this machine's clock; LAPSE_MS leaves room for modest skew between machines.
    const lapsesAt = Date.now() + LAPSE_MS;
    const pipeline = redis.pipeline();
    for (const [agentId, sockets] of local) {
      const key = keyOf(prefix, agentId);
      for (const socketId of sockets) pipeline.zadd(key, lapsesAt, member(socketId));
      pipeline.pexpire(key, LAPSE_MS);
    }
    await pipeline.exec();
  };
  const heartbeat = () =>
    void refresh().catch((err) => log.warn("could not refresh the agents' socket registry", { err: (err as Error).message }));
  const timer = setInterval(heartbeat, HEARTBEAT_MS);
  timer.unref();
  redis.on("ready", heartbeat);

  return {
    async add(agentId, socketId) {
      const sockets = local.get(agentId) ?? new Set<string>();
      sockets.add(socketId);
      local.set(agentId, sockets);
      const key = keyOf(prefix, agentId);
      await redis.multi().zadd(key, Date.now() + LAPSE_MS, member(socketId)).pexpire(key, LAPSE_MS).exec();
    },
    async remove(agentId, socketId) {
      const sockets = local.get(agentId);
      sockets?.delete(socketId);
      if (sockets?.size === 0) local.delete(agentId);
      await redis.zrem(keyOf(prefix, agentId), member(socketId));
    },
    close() {
      clearInterval(timer);
      redis.off("ready", heartbeat);
    },
  };
}

/** How many sockets the agent has open on all server processes together. */
export async function countAgentSockets(redis: Redis, prefix: string, agentId: string): Promise<number> {
  return redis.zcount(keyOf(prefix, agentId), Date.now(), "+inf");
}
