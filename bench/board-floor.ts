// The board benchmark's floor, in its own process: a bare socket.io server (default options, nothing else in
// the process). The benchmark's own client processes connect the same 1,000 agent and 50 supervisor sockets to
// it; the supervisors join a room. Then the board's updates recorded in the same run are broadcast to that
// room again, the same payloads at the same moments (`floor:update`, each with its sequence number and emit
// time added): what delivering the board's traffic costs with no database, no diff and no product around it.
// Started by bench/board.ts through bench/helper-child.ts; exits when its parent goes away.
import { createServer } from "node:http";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import { Server } from "socket.io";

export type BoardFloorRequest =
  | { type: "listen" }
  | { type: "status" }
  /** payloads[k] goes out offsetsMs[k] after the start. */
  | { type: "replay"; offsetsMs: number[]; payloads: object[] }
  | { type: "close" };

export type BoardFloorReply =
  | { type: "ready" }
  | { type: "listening"; url: string; socketIoVersion: string }
  | { type: "status"; agents: number; supervisors: number }
  | { type: "replayed"; sent: number; wallMs: number; cpuMs: number; lateMs: number }
  | { type: "closed" };

const now = () => performance.timeOrigin + performance.now();
const http = createServer();
const server = new Server(http, { serveClient: false });
server.on("connection", (socket) => {
  if ((socket.handshake.auth as { role?: string }).role === "supervisor") void socket.join("board");
});

function send(msg: BoardFloorReply): void {
  process.send?.(msg);
}

async function replay(req: Extract<BoardFloorRequest, { type: "replay" }>): Promise<BoardFloorReply> {
  const room = server.to("board");
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let lateMs = 0;
  for (let k = 0; k < req.payloads.length; k++) {
    const wait = t0 + req.offsetsMs[k]! - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    lateMs = Math.max(lateMs, performance.now() - (t0 + req.offsetsMs[k]!));
    room.emit("floor:update", { ...req.payloads[k], seq: k, sentAt: now() });
  }
  // The last writes leave the process before the CPU is read.
  await new Promise((r) => setTimeout(r, 200));
  const cpu = process.cpuUsage(cpu0);
  return { type: "replayed", sent: req.payloads.length, wallMs: performance.now() - t0, cpuMs: (cpu.user + cpu.system) / 1000, lateMs };
}

process.on("message", (msg: BoardFloorRequest) => {
  switch (msg.type) {
    case "listen":
      http.listen(0, "127.0.0.1", () => {
        const { version } = createRequire(import.meta.url)("socket.io/package.json") as { version: string };
        send({ type: "listening", url: `http://127.0.0.1:${(http.address() as AddressInfo).port}`, socketIoVersion: version });
      });
      break;
    case "status":
      send({ type: "status", agents: server.of("/").sockets.size - (server.of("/").adapter.rooms.get("board")?.size ?? 0), supervisors: server.of("/").adapter.rooms.get("board")?.size ?? 0 });
      break;
    case "replay":
      void replay(msg).then(send);
      break;
    case "close":
      void server.close();
      send({ type: "closed" });
      setTimeout(() => process.exit(0), 100).unref();
      break;
  }
});
process.on("disconnect", () => process.exit(0));
send({ type: "ready" });
