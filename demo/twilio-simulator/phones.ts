// What each simulated customer's phone shows: the texts it sent the business and the replies it got,
// each with the state Twilio would report (delivered ticks for the business's replies).
import { randomUUID } from "node:crypto";

export type PhoneMessageStatus =
  /** A text from the customer: being handed to Switchboard, taken (2xx), or refused. */
  | "sending" | "received" | "refused"
  /** A reply from the business, as Twilio's status callbacks tell it. */
  | "queued" | "sent" | "delivered" | "undelivered";

export interface PhoneMessage {
  id: string;
  /** Twilio's MessageSid (SM…). */
  sid: string;
  direction: "from_customer" | "to_customer";
  body: string;
  at: string;
  status: PhoneMessageStatus;
  /** Twilio's error code on an undelivered reply (30003: unreachable handset); the HTTP status of a refused text. */
  errorCode: number | null;
}

export interface PhoneBook {
  add(customer: string, message: Omit<PhoneMessage, "id" | "at">): PhoneMessage;
  update(sid: string, change: Partial<Pick<PhoneMessage, "status" | "errorCode">>): void;
  thread(customer: string): PhoneMessage[];
  customers(): string[];
  /** Counts every change, so a page can ask "anything new since n?". */
  version(): number;
  /** Something else on the phones changed (a call). */
  touch(): void;
}

/** Keeps the newest `perPhone` messages of each phone in memory (the demo's only store: it starts empty). */
export function createPhoneBook(perPhone = 200): PhoneBook {
  const threads = new Map<string, PhoneMessage[]>();
  const bySid = new Map<string, PhoneMessage>();
  let version = 0;
  return {
    add(customer, message) {
      const m: PhoneMessage = { ...message, id: randomUUID(), at: new Date().toISOString() };
      const thread = threads.get(customer) ?? [];
      thread.push(m);
      const dropped = thread.length > perPhone ? thread.shift() : undefined;
      if (dropped) bySid.delete(dropped.sid);
      threads.set(customer, thread);
      bySid.set(m.sid, m);
      version += 1;
      return m;
    },
    update(sid, change) {
      const m = bySid.get(sid);
      if (!m) return;
      Object.assign(m, change);
      version += 1;
    },
    thread: (customer) => [...(threads.get(customer) ?? [])],
    customers: () => [...threads.keys()],
    version: () => version,
    touch() {
      version += 1;
    },
  };
}
