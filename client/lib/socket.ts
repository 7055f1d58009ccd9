// The one /agent socket of this page. Only hooks in client/lib use it; components never do.
import { io, type Socket } from "socket.io-client";
import type { Ack, AgentClientToServer, AgentServerToClient } from "../../shared/events.ts";
import { AGENT_NAMESPACE } from "../../shared/events.ts";
import { ApiError } from "./api.ts";
import type { BoardSnapshot } from "../../shared/board.ts";

export type AgentSocket = Socket<AgentServerToClient, AgentClientToServer>;

let socket: AgentSocket | undefined;

/**
 * The shared socket, created on first use and not connected: the session hook connects it once
 * signed in (the handshake carries the session cookie) and disconnects it on sign-out.
 */
export function agentSocket(): AgentSocket {
  socket ??= io(AGENT_NAMESPACE, { autoConnect: false, withCredentials: true });
  return socket;
}

const ACK_TIMEOUT_MS = 5_000;

function settle(result: Ack<null>): void {
  if (!result.ok) throw new ApiError(result.error.code, result.error.message, 0);
}

function ackError(err: Error): ApiError {
  return new ApiError("NETWORK", `The server did not answer in time (${err.message}).`, 0);
}

/** Join the customer's room so their timeline comes live. */
export function watchCustomer(customerId: string): Promise<void> {
  return new Promise((resolve, reject) => {
    agentSocket()
      .timeout(ACK_TIMEOUT_MS)
      .emit("customer:watch", { customerId }, (err, result) => {
        if (err) return reject(ackError(err));
        try {
          settle(result);
          resolve();
        } catch (error) {
          reject(error);
        }
      });
  });
}

/** Leave the customer's room; best effort, since a disconnect leaves every room anyway. */
export function unwatchCustomer(customerId: string): void {
  const current = agentSocket();
  if (current.connected) current.emit("customer:unwatch", { customerId }, () => {});
}

/** Start watching the live board: the ack carries it whole; `board:update` follows with what changes. */
export function watchBoard(): Promise<BoardSnapshot> {
  return new Promise((resolve, reject) => {
    agentSocket()
      .timeout(ACK_TIMEOUT_MS)
      .emit("board:watch", {}, (err, result) => {
        if (err) return reject(ackError(err));
        if (!result.ok) return reject(new ApiError(result.error.code, result.error.message, 0));
        resolve(result.data);
      });
  });
}

export function unwatchBoard(): void {
  const current = agentSocket();
  if (current.connected) current.emit("board:unwatch", {}, () => {});
}
