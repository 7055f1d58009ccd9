// The client's real address, computed one way for HTTP and sockets: X-Forwarded-For is believed only
// from the peers TRUST_PROXY names (as express's "trust proxy" reads it), so a visitor cannot pick
// their own address and the visitors behind one load balancer do not share one budget.
import type { IncomingMessage } from "node:http";
import proxyAddr from "proxy-addr";

export interface TrustProxy {
  /** As written in TRUST_PROXY, for logs. */
  setting: string;
  /** express's trust function: may the peer at hop i (0 = the socket's peer) name the client? */
  trust: (address: string, hop: number) => boolean;
}

/**
 * TRUST_PROXY: `false` (the default: the socket's peer is the client), a hop count (`1` = one proxy
 * in front, whatever its address), or a comma-separated list of addresses, CIDRs and proxy-addr's
 * names (`loopback`, `linklocal`, `uniquelocal`). `true` (trust everyone) is refused: any client
 * could then choose its address and escape every limit.
 */
export function parseTrustProxy(value: string): TrustProxy {
  const setting = value.trim();
  if (setting === "" || setting === "false" || setting === "0") return { setting: "false", trust: () => false };
  if (setting === "true") throw new Error("true would let any client choose its address: give a hop count or the proxies' addresses");
  if (/^\d+$/.test(setting)) {
    const hops = Number(setting);
    return { setting, trust: (_address, hop) => hop < hops };
  }
  const list = setting.split(",").map((s) => s.trim()).filter(Boolean);
  let compiled: (address: string, hop: number) => boolean;
  try {
    compiled = proxyAddr.compile(list);
  } catch (err) {
    throw new Error(`must be false, a hop count, or addresses/CIDRs (${(err as Error).message})`);
  }
  return { setting, trust: compiled };
}

/** The client's address for a request (HTTP or a socket.io handshake's request). */
export function clientAddress(req: IncomingMessage, trustProxy: TrustProxy): string {
  if (!req.socket?.remoteAddress) return "unknown";
  return proxyAddr(req as Parameters<typeof proxyAddr>[0], trustProxy.trust);
}
