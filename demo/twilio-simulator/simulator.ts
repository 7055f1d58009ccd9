// The demo's Twilio: the faithful REST fake (fake-twilio.ts) plus what Twilio itself sends back, over HTTP,
// signed as Twilio signs it: a customer's text as the inbound SMS webhook, each reply's delivery status
// callbacks (queued → sent → delivered after realistic delays, now and then undelivered with error 30003),
// and calls played through the TwiML Switchboard answers (calls.ts).
// Switchboard talks to it through its normal settings (TWILIO_API_BASE_URL and the account's credentials).
import { randomBytes } from "node:crypto";
import { smsSegments } from "../../shared/sms-segments.ts";
import { DEFAULT_TEST_ACCOUNT_SID, newSid, startFakeTwilio, type FakeTwilio } from "./fake-twilio.ts";
import { createCallSimulator, type CallSimulator } from "./calls.ts";
import { createConferenceLegs, type ConferenceLegs } from "./conference-legs.ts";
import { createPhoneBook, type PhoneBook, type PhoneMessage } from "./phones.ts";
import { postSignedForm } from "./signed-webhooks.ts";

export const SMS_WEBHOOK_PATH = "/webhooks/twilio/sms";
/** Twilio's error for a message the carrier could not deliver to the handset. */
export const UNREACHABLE_HANDSET = 30003;

export interface TwilioSimulatorOptions {
  /** Where Switchboard listens: webhooks are posted here. */
  switchboardUrl: string;
  /** Switchboard's PUBLIC_URL, the URL Twilio signs (the console's webhook URLs start with it). */
  publicUrl: string;
  /** The business's Twilio number (TWILIO_PHONE_NUMBER). */
  businessNumber: string;
  accountSid?: string;
  authToken?: string;
  /** Each status step (queued → sent, sent → delivered) comes after a delay in this range. */
  deliveryDelayMs?: { min: number; max: number };
  /** One pass of hold music, after which Twilio asks the queue's wait URL again (default 8 s). */
  holdMusicMs?: number;
  /** Share (0–1) of replies that end undelivered with error 30003. */
  undeliveredRate?: number;
  random?: () => number;
  /** A webhook Switchboard refused or could not be reached for (the demo's log shows it). */
  onWebhookFailure?: (what: string, detail: string) => void;
}

export interface TwilioSimulator {
  fake: FakeTwilio;
  /** The REST API's base URL (TWILIO_API_BASE_URL). */
  apiUrl: string;
  accountSid: string;
  authToken: string;
  businessNumber: string;
  phones: PhoneBook;
  /** Calls from the simulated phones (calls.ts). */
  calls: CallSimulator;
  /** Agents' legs of answered calls, ringing their simulated phones (conference-legs.ts). */
  legs: ConferenceLegs;
  /** The customer at `from` texts the business: the signed inbound webhook, as Twilio would send it. */
  textBusiness(from: string, body: string): Promise<PhoneMessage>;
  /** Resolves when every status callback scheduled so far has been sent. */
  settled(): Promise<void>;
  close(): Promise<void>;
}

export async function startTwilioSimulator(opts: TwilioSimulatorOptions): Promise<TwilioSimulator> {
  const accountSid = opts.accountSid ?? DEFAULT_TEST_ACCOUNT_SID;
  const authToken = opts.authToken ?? randomBytes(16).toString("hex");
  const random = opts.random ?? Math.random;
  const delay = opts.deliveryDelayMs ?? { min: 250, max: 1000 };
  const undeliveredRate = opts.undeliveredRate ?? 0.03;
  const phones = createPhoneBook();
  const pending = new Set<Promise<void>>();
  const timers = new Set<NodeJS.Timeout>();
  let closed = false;

  /** A signed POST to one of Switchboard's webhook URLs; `url` is the public one Twilio was given. */
  async function post(url: string, params: Record<string, string>) {
    const target = url.startsWith(opts.publicUrl) ? opts.switchboardUrl + url.slice(opts.publicUrl.length) : url;
    return postSignedForm({ url: target, signatureUrl: url, authToken, params: { AccountSid: accountSid, ApiVersion: "2010-04-01", ...params } });
  }

  const wait = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        timers.delete(timer);
        resolve();
      }, ms);
      timers.add(timer);
    });
  const nextDelay = () => delay.min + random() * (delay.max - delay.min);

  /** Plays a reply's life at the carrier and reports each step to its StatusCallback. */
  async function deliver(message: Record<string, unknown>, form: Record<string, string>) {
    const sid = String(message.sid);
    const to = String(message.to);
    phones.add(to, { sid, direction: "to_customer", body: String(message.body ?? ""), status: "queued", errorCode: null });
    const undelivered = random() < undeliveredRate;
    const steps: { status: "sent" | "delivered" | "undelivered"; errorCode: number | null }[] = [
      { status: "sent", errorCode: null },
      undelivered ? { status: "undelivered", errorCode: UNREACHABLE_HANDSET } : { status: "delivered", errorCode: null },
    ];
    for (const step of steps) {
      await wait(nextDelay());
      if (closed) return;
      fake.setMessageStatus(sid, step.status, step.errorCode);
      phones.update(sid, { status: step.status, errorCode: step.errorCode });
      if (!form.StatusCallback) continue;
      const params: Record<string, string> = { SmsSid: sid, SmsStatus: step.status, MessageStatus: step.status, MessageSid: sid, To: to, From: String(message.from ?? "") };
      if (step.errorCode !== null) params.ErrorCode = String(step.errorCode);
      const res = await post(form.StatusCallback, params).catch((err: Error) => ({ status: 0, body: err.message }));
      if (res.status < 200 || res.status >= 300) opts.onWebhookFailure?.(`status callback ${step.status} of ${sid}`, `${res.status} ${res.body.slice(0, 200)}`);
    }
  }

  // The conferences live in the REST fake, started below; the legs reach them through it.
  let fake: FakeTwilio;
  const legs = createConferenceLegs({
    post,
    get conferences() {
      return fake.conferences;
    },
    tellCaller: (sid, text) => calls.tell(sid, text),
    onChange: () => phones.touch(),
  });
  const calls = createCallSimulator({
    post,
    legs,
    publicUrl: opts.publicUrl,
    businessNumber: opts.businessNumber,
    holdMusicMs: opts.holdMusicMs ?? 8000,
    onChange: () => phones.touch(),
    ...(opts.onWebhookFailure ? { onWebhookFailure: opts.onWebhookFailure } : {}),
  });
  fake = await startFakeTwilio({
    accountSid,
    authToken,
    maxRecordedRequests: 1000,
    onCallUpdated: (sid, form) => calls.updated(sid, form),
    onParticipantCreated: (participant, form) => legs.placed(participant, form),
    onMessageCreated(message, form) {
      const run = deliver(message, form).finally(() => pending.delete(run));
      pending.add(run);
    },
  });

  return {
    fake,
    apiUrl: fake.url,
    accountSid,
    authToken,
    businessNumber: opts.businessNumber,
    phones,
    calls,
    legs,
    async textBusiness(from, body) {
      const sid = newSid("SM");
      const message = phones.add(from, { sid, direction: "from_customer", body, status: "sending", errorCode: null });
      const res = await post(opts.publicUrl + SMS_WEBHOOK_PATH, {
        MessageSid: sid,
        SmsSid: sid,
        SmsMessageSid: sid,
        SmsStatus: "received",
        From: from,
        To: opts.businessNumber,
        Body: body,
        NumMedia: "0",
        NumSegments: String(Math.max(1, smsSegments(body).segments)),
      }).catch((err: Error) => ({ status: 0, body: err.message }));
      const ok = res.status >= 200 && res.status < 300;
      phones.update(sid, ok ? { status: "received" } : { status: "refused", errorCode: res.status });
      if (!ok) opts.onWebhookFailure?.(`inbound SMS from ${from}`, `${res.status} ${res.body.slice(0, 200)}`);
      return { ...message, status: ok ? "received" : "refused", errorCode: ok ? null : res.status };
    },
    async settled() {
      while (pending.size > 0) await Promise.all([...pending]);
    },
    async close() {
      closed = true;
      calls.close();
      legs.close();
      for (const t of timers) clearTimeout(t);
      timers.clear();
      await fake.close();
    },
  };
}
