// The phone's calls: place one, press keys, stop a voicemail recording, hang up (the simulator plays the rest);
// and, on an agent's forward phone, answer, decline or hang up the call Switchboard rings it with.
import { Router, type Response } from "express";
import { z } from "zod";
import type { TwilioSimulator } from "../twilio-simulator/simulator.ts";

const PhoneNumber = z.string().regex(/^\+[1-9]\d{6,14}$/, "a phone number in E.164, e.g. +12125550123");
const PlaceCall = z.object({ from: PhoneNumber }).strict();
const Keys = z.object({ digits: z.string().regex(/^[0-9*#]{1,10}$/, "keys 0-9, * and #") }).strict();

const invalid = (res: Response, message: string) => void res.status(400).json({ error: { code: "VALIDATION", message } });
/** The call is over, or is not asking for this now. */
const notNow = (res: Response) => void res.status(409).json({ error: { code: "CONFLICT", message: "The call is not waiting for that" } });

export function callRoutes(sim: TwilioSimulator): Router {
  const router = Router();
  router.post("/api/phone/calls", (req, res) => {
    const body = PlaceCall.safeParse(req.body);
    if (!body.success) return invalid(res, body.error.issues[0]!.message);
    res.status(201).json({ call: sim.calls.place(body.data.from) });
  });
  router.post("/api/phone/calls/:sid/keys", (req, res) => {
    const body = Keys.safeParse(req.body);
    if (!body.success) return invalid(res, body.error.issues[0]!.message);
    if (!sim.calls.press(req.params.sid, body.data.digits)) return notNow(res);
    res.status(204).end();
  });
  router.post("/api/phone/calls/:sid/stop-recording", (req, res) => {
    if (!sim.calls.stopRecording(req.params.sid)) return notNow(res);
    res.status(204).end();
  });
  router.post("/api/phone/calls/:sid/hang-up", async (req, res) => {
    if (!(await sim.calls.hangUp(req.params.sid))) return notNow(res);
    res.status(204).end();
  });
  // An agent's forward phone: the leg Switchboard placed to it rings here.
  router.post("/api/phone/legs/:sid/answer", async (req, res) => {
    if (!(await sim.legs.answer(req.params.sid))) return notNow(res);
    res.status(204).end();
  });
  router.post("/api/phone/legs/:sid/decline", async (req, res) => {
    if (!(await sim.legs.decline(req.params.sid))) return notNow(res);
    res.status(204).end();
  });
  router.post("/api/phone/legs/:sid/hang-up", async (req, res) => {
    if (!(await sim.legs.hangUp(req.params.sid))) return notNow(res);
    res.status(204).end();
  });
  return router;
}
