// Twilio's side of a fault: a webhook answered 5xx (or not at all) is delivered again, same MessageSid.
import type { TestApp } from "./test-app.ts";

/** Posts the same inbound SMS until it is answered 2xx; returns every status seen, in order. */
export async function deliverSmsUntilAccepted(
  t: TestApp,
  params: { MessageSid: string; From: string; Body: string },
  opts: { timeoutMs?: number; retryEveryMs?: number } = {},
): Promise<number[]> {
  const statuses: number[] = [];
  const deadline = Date.now() + (opts.timeoutMs ?? 15_000);
  for (;;) {
    const status = await t.sendSms(params).then((r) => r.status, () => 0);
    statuses.push(status);
    if (status >= 200 && status < 300) return statuses;
    if (Date.now() > deadline) throw new Error(`webhook never accepted: ${statuses.join(", ")}`);
    await new Promise((r) => setTimeout(r, opts.retryEveryMs ?? 200));
  }
}

let sidSeq = 0;
/** A MessageSid as Twilio makes them (SM + 32 hex digits), unique in the run. */
export const newMessageSid = () => `SM${Date.now().toString(16).padStart(16, "0")}${(sidSeq++).toString(16).padStart(16, "0")}`;
