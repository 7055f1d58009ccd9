// The customer's side of the demo, on the simulator's own origin: a phone that texts the business and
// shows its replies with their delivery ticks and calls it, a mail client, and a shop page with the chat widget.
// Plain HTML and JS (public/), state through a small JSON API the pages poll.
import express from "express";
import { readFileSync } from "node:fs";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import type { DemoMail } from "../mail/demo-mail.ts";
import type { TwilioSimulator } from "../twilio-simulator/simulator.ts";
import { callRoutes } from "./call-routes.ts";
import { mailRoutes } from "./mail-routes.ts";

const publicDir = fileURLToPath(new URL("./public/", import.meta.url));

const PhoneNumber = z.string().regex(/^\+[1-9]\d{6,14}$/, "a phone number in E.164, e.g. +12125550123");
const TextBody = z.object({ from: PhoneNumber, body: z.string().trim().min(1).max(1600) }).strict();

export interface CustomerPages {
  origin: string;
  close(): Promise<void>;
}

const escapeAttr = (v: string) => v.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;");

export async function startCustomerPages(opts: {
  sim: TwilioSimulator;
  mail: DemoMail;
  port: number;
  /** What the shop page embeds: Switchboard's widget script and the demo widget's key. */
  widget: { scriptUrl: string; publicKey: string };
  workspaceUrl: string;
}): Promise<CustomerPages> {
  const app = express();
  app.disable("x-powered-by");
  app.use(express.json({ limit: "16kb" }));
  const page = (name: string) => readFileSync(publicDir + name, "utf8");
  const fill = (html: string, values: Record<string, string>) => html.replace(/\{\{(\w+)\}\}/g, (_, k: string) => escapeAttr(values[k] ?? ""));
  const values = { businessNumber: opts.sim.businessNumber, businessAddress: opts.mail.businessAddress, widgetScript: opts.widget.scriptUrl, widgetKey: opts.widget.publicKey, workspaceUrl: opts.workspaceUrl };

  app.get("/", (_req, res) => void res.type("html").send(fill(page("index.html"), values)));
  app.get("/phone", (_req, res) => void res.type("html").send(fill(page("phone.html"), values)));
  app.get("/shop", (_req, res) => void res.type("html").send(fill(page("shop.html"), values)));
  app.get("/mail", (_req, res) => void res.type("html").send(fill(page("mail.html"), values)));
  app.get("/phone.js", (_req, res) => void res.type("js").send(page("phone.js")));
  app.get("/mail.js", (_req, res) => void res.type("js").send(page("mail.js")));
  app.use(mailRoutes(opts.mail));
  app.use(callRoutes(opts.sim));
  app.get("/pages.css", (_req, res) => void res.type("css").send(page("pages.css")));

  /** One phone's thread, and the phones in use (so an evaluator can switch between customers). */
  app.get("/api/phone", (req, res) => {
    const number = PhoneNumber.safeParse(req.query.number);
    if (!number.success) return void res.status(400).json({ error: { code: "VALIDATION", message: number.error.issues[0]!.message } });
    const { sim } = opts;
    res.json({ businessNumber: sim.businessNumber, version: sim.phones.version(), thread: sim.phones.thread(number.data), calls: sim.calls.callsOf(number.data), legs: sim.legs.legsOf(number.data), phones: [...new Set([...sim.phones.customers(), ...sim.calls.customers()])] });
  });
  app.post("/api/phone/texts", async (req, res) => {
    const body = TextBody.safeParse(req.body);
    if (!body.success) return void res.status(400).json({ error: { code: "VALIDATION", message: body.error.issues[0]!.message } });
    const message = await opts.sim.textBusiness(body.data.from, body.data.body);
    res.status(201).json({ message });
  });

  const server: Server = await new Promise((resolve, reject) => {
    const s = app.listen(opts.port, "127.0.0.1", () => resolve(s));
    s.once("error", reject);
  });
  const port = (server.address() as AddressInfo).port;
  return {
    origin: `http://localhost:${port}`,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}
