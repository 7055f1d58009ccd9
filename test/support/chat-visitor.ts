// A chat visitor as the widget connects: socket.io-client to /chat from a given page origin.
import { io, type Socket } from "socket.io-client";
import { CHAT_NAMESPACE, type ChatServerToVisitor, type ChatSession, type ChatVisitorToServer } from "../../shared/chat.ts";

export type VisitorSocket = Socket<ChatServerToVisitor, ChatVisitorToServer>;

export async function connectVisitor(
  url: string,
  opts: { widgetKey: string; origin: string; visitorToken?: string; identity?: { kind: "email" | "phone"; value: string; hmac: string }; headers?: Record<string, string> },
): Promise<{ socket: VisitorSocket; session: ChatSession }> {
  const socket: VisitorSocket = io(url + CHAT_NAMESPACE, {
    auth: { widgetKey: opts.widgetKey, ...(opts.visitorToken ? { visitorToken: opts.visitorToken } : {}), ...(opts.identity ? { identity: opts.identity } : {}) },
    extraHeaders: { origin: opts.origin, ...opts.headers },
    transports: ["websocket"],
    reconnection: false,
    forceNew: true,
  });
  const session = await new Promise<ChatSession>((resolve, reject) => {
    socket.once("chat:session", resolve);
    socket.once("connect_error", (err) => {
      socket.disconnect();
      reject(err);
    });
  });
  return { socket, session };
}
