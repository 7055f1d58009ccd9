// Twilio's message status callback → our delivery status.
import { z } from "zod";
import type { MessageStatus } from "../../shared/domain.ts";
import type { StatusUpdate } from "../channel.ts";
import { InboundParseError } from "../channel.ts";

// Twilio: accepted/scheduled/queued/sending/sent/receiving/received/delivered/undelivered/failed/read/canceled.
const STATUS_MAP: Record<string, MessageStatus | null> = {
  accepted: "queued",
  scheduled: "queued",
  queued: "queued",
  sending: "queued",
  sent: "sent",
  delivered: "delivered",
  read: "delivered",
  undelivered: "failed",
  failed: "failed",
  canceled: "failed",
  receiving: null,
  received: null,
};

// Status callbacks carry only ErrorCode; these are the ones agents meet most (twilio.com/docs/api/errors).
const ERROR_TEXT: Record<string, string> = {
  "21610": "The customer has replied STOP to this number",
  "21211": "Invalid 'To' phone number",
  "21408": "Permission to send to this region is not enabled",
  "21614": "The number cannot receive SMS",
  "30003": "Unreachable destination handset",
  "30004": "Message blocked",
  "30005": "Unknown destination handset",
  "30006": "Landline or unreachable carrier",
  "30007": "Message filtered by the carrier",
  "30008": "Unknown error from the carrier",
};

export function twilioErrorText(code: string | null): string | null {
  if (!code) return null;
  return ERROR_TEXT[code] ?? `Twilio error ${code}`;
}

const StatusParams = z
  .object({
    MessageSid: z.string().regex(/^(SM|MM)[0-9a-fA-F]{32}$/, "MessageSid must be SM or MM followed by 32 hex digits"),
    MessageStatus: z.string().min(1, "MessageStatus is required"),
    ErrorCode: z.string().regex(/^\d*$/, "ErrorCode must be numeric").optional(),
  })
  .passthrough();

/** Returns null for statuses that say nothing about delivery (e.g. "receiving"). */
export function parseSmsStatus(params: Record<string, unknown>, messageId: string | null): StatusUpdate | null {
  const parsed = StatusParams.safeParse(params);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new InboundParseError(`${issue.path.join(".") || "body"}: ${issue.message}`);
  }
  const p = parsed.data;
  const status = STATUS_MAP[p.MessageStatus.toLowerCase()];
  if (status === undefined) throw new InboundParseError(`MessageStatus: unknown status "${p.MessageStatus}"`);
  if (status === null) return null;
  const errorCode = p.ErrorCode ? p.ErrorCode : null;
  return {
    messageId,
    externalId: p.MessageSid,
    status,
    errorCode: status === "failed" ? errorCode : null,
    errorMessage: status === "failed" ? (twilioErrorText(errorCode) ?? "The carrier did not deliver the message") : null,
  };
}
