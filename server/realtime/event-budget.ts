// A per-socket budget of events (a token bucket kept with the socket): a signed-in client that floods its
// socket with events gets RATE_LIMITED acks instead of a database write each. In memory on purpose: the
// budget lives and dies with the one connection it limits, so there is nothing to derive again.
import type { Socket } from "socket.io";

export interface EventBudget {
  /** Events a quiet socket may send at once. */
  burst: number;
  /** Events per second it earns back. */
  perSecond: number;
}

/** Far above what the workspace sends (presence, watches, typing every few hundred ms), far below a flood. */
export const AGENT_EVENT_BUDGET: EventBudget = { burst: 60, perSecond: 20 };

export function limitSocketEvents(socket: Socket, budget: EventBudget): void {
  let tokens = budget.burst;
  let at = Date.now();
  socket.use((packet, next) => {
    const now = Date.now();
    tokens = Math.min(budget.burst, tokens + ((now - at) / 1000) * budget.perSecond);
    at = now;
    if (tokens >= 1) {
      tokens -= 1;
      return next();
    }
    // Refused without running the handler; an event that wanted an answer is told why.
    const ack = packet[packet.length - 1];
    if (typeof ack === "function") {
      (ack as (r: unknown) => void)({ ok: false, error: { code: "RATE_LIMITED", message: "Too many events on this connection: slow down" } });
    }
  });
}
