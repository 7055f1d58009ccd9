// hoodiecrow-imap ships no types: the part of its API the demo's mail server uses.
declare module "hoodiecrow-imap" {
  import type { Server } from "node:net";
  interface HoodiecrowOptions {
    plugins?: string[];
    users?: Record<string, { password: string }>;
    storage?: Record<string, { messages?: unknown[]; uidvalidity?: number; separator?: string; folders?: Record<string, unknown> }>;
  }
  interface HoodiecrowServer {
    server: Server;
    listen(port: number, host: string, callback: () => void): void;
    appendMessage(mailbox: string, flags: string[], internaldate: Date, raw: string): unknown;
  }
  export default function hoodiecrow(options: HoodiecrowOptions): HoodiecrowServer;
}
