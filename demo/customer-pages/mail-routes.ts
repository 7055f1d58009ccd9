// The mail client's JSON API: a customer's mailbox (what they sent and received), and sending a mail
// (new, or a reply to one of the business's, which then goes to its Reply-To and threads).
import { Router } from "express";
import { z } from "zod";
import type { DemoMail } from "../mail/demo-mail.ts";

const Address = z.string().trim().toLowerCase().email("an email address, e.g. pat@customer.test");
const SendMail = z
  .object({ from: Address, subject: z.string().trim().min(1).max(200), text: z.string().trim().min(1).max(20_000), inReplyTo: z.string().max(500).optional() })
  .strict();

const invalid = (message: string) => ({ error: { code: "VALIDATION", message } });

export function mailRoutes(mail: DemoMail): Router {
  const router = Router();
  router.get("/api/mail", (req, res) => {
    const address = Address.safeParse(req.query.address);
    if (!address.success) return void res.status(400).json(invalid(address.error.issues[0]!.message));
    res.json({ businessAddress: mail.businessAddress, version: mail.version(), mailbox: mail.mailbox(address.data), addresses: mail.addresses() });
  });
  router.post("/api/mail", async (req, res) => {
    const body = SendMail.safeParse(req.body);
    if (!body.success) return void res.status(400).json(invalid(body.error.issues[0]!.message));
    res.status(201).json({ mail: await mail.send(body.data) });
  });
  return router;
}
