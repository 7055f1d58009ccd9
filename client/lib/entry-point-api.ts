// The entry points' REST calls for the Team screens: Twilio numbers and mailboxes, and the queues they feed.
import { z } from "zod";
import { CreateMailboxBody, MailboxView, UpdateMailboxBody } from "../../shared/email.ts";
import { PhoneNumberView, type CreatePhoneNumberBody, type UpdatePhoneNumberBody } from "../../shared/queues.ts";
import { id, request } from "./api.ts";

const NumberResponse = z.object({ phoneNumber: PhoneNumberView });
const MailboxResponse = z.object({ mailbox: MailboxView });

export const entryPointApi = {
  numbers: () => request("/api/phone-numbers", { schema: z.object({ phoneNumbers: z.array(PhoneNumberView) }) }),
  addNumber: (body: z.input<typeof CreatePhoneNumberBody>) => request("/api/phone-numbers", { method: "POST", body, schema: NumberResponse }),
  updateNumber: (numberId: string, body: z.input<typeof UpdatePhoneNumberBody>) =>
    request(`/api/phone-numbers/${id(numberId)}`, { method: "PUT", body, schema: NumberResponse }),
  removeNumber: (numberId: string) => request(`/api/phone-numbers/${id(numberId)}`, { method: "DELETE" }),
  mailboxes: () => request("/api/mailboxes", { schema: z.object({ mailboxes: z.array(MailboxView) }) }),
  addMailbox: (body: z.input<typeof CreateMailboxBody>) => request("/api/mailboxes", { method: "POST", body, schema: MailboxResponse }),
  updateMailbox: (mailboxId: string, body: z.input<typeof UpdateMailboxBody>) =>
    request(`/api/mailboxes/${id(mailboxId)}`, { method: "PATCH", body, schema: MailboxResponse }),
};
