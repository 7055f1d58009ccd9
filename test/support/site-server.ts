// A customer's website on loopback, on its own origin, with the one-line widget embed (and hostile CSS).
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface TestSite {
  /** e.g. http://127.0.0.1:PORT — the origin the widget is registered for. */
  origin: string;
  port: number;
  /** The same page on another origin (http://localhost:PORT): a site the widget does not allow. */
  otherOrigin: string;
  setEmbed(attributes: Record<string, string>): void;
  close(): Promise<void>;
}

export async function startTestSite(switchboardUrl: string, widgetKey: string): Promise<TestSite> {
  let attributes: Record<string, string> = {};
  const server: Server = createServer((req, res) => {
    const attrs = Object.entries({ "data-switchboard-key": widgetKey, ...attributes })
      .map(([k, v]) => `${k}="${v.replace(/"/g, "&quot;")}"`)
      .join(" ");
    res.writeHead(200, { "Content-Type": "text/html; charset=utf-8" });
    res.end(`<!doctype html><html><head><title>Shop</title>
      <style>* { color: red !important; font-size: 40px !important; } button { display: none !important; }</style></head>
      <body><h1>Our shop</h1><p>Path ${req.url}</p>
      <script src="${switchboardUrl}/widget.js" ${attrs} async></script></body></html>`);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const port = (server.address() as AddressInfo).port;
  return {
    origin: `http://127.0.0.1:${port}`,
    otherOrigin: `http://localhost:${port}`,
    port,
    setEmbed(a) {
      attributes = a;
    },
    close: () => new Promise((r) => server.close(() => r())),
  };
}
