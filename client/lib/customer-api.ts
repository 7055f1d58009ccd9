// The customer record's REST calls (the panel): read, rename and tag, tier, customer notes.
import { z } from "zod";
import { CustomerView } from "../../shared/api.ts";
import { CustomerNoteView, CustomerNotesResponse, type UpdateCustomerBody } from "../../shared/customers.ts";
import { CustomerTierView } from "../../shared/queues.ts";
import type { CustomerTier } from "../../shared/domain.ts";
import { id, request } from "./api.ts";

const CustomerResponse = z.object({ customer: CustomerView });

export const customerApi = {
  customer: (customerId: string) => request(`/api/customers/${id(customerId)}`, { schema: CustomerResponse }),
  update: (customerId: string, body: z.input<typeof UpdateCustomerBody>) =>
    request(`/api/customers/${id(customerId)}`, { method: "PATCH", body, schema: CustomerResponse }),
  /** null: derived from the lifetime value again. */
  setTier: (customerId: string, tier: CustomerTier | null) =>
    request(`/api/customers/${id(customerId)}/tier`, { method: "PUT", body: { tier }, schema: z.object({ customer: CustomerTierView }) }),
  notes: (customerId: string) => request(`/api/customers/${id(customerId)}/notes`, { schema: CustomerNotesResponse }),
  addNote: (customerId: string, body: string) =>
    request(`/api/customers/${id(customerId)}/notes`, { method: "POST", body: { body }, schema: z.object({ note: CustomerNoteView }) }),
};
