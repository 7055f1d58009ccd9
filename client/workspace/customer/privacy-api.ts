// The privacy calls of the customer panel: the consent ledger, the export link, erasure.
import { z } from "zod";
import { ConsentLedger, EraseCustomerResult, type EraseCustomerBody } from "../../../shared/privacy.ts";
import { request } from "../../lib/api.ts";

const LedgerResponse = z.object({ ledger: ConsentLedger });
const EraseResponse = z.object({ erased: EraseCustomerResult });
const id = (value: string) => encodeURIComponent(value);

export const privacyApi = {
  consentLedger: (customerId: string) => request(`/api/customers/${id(customerId)}/consents`, { schema: LedgerResponse }).then((r) => r.ledger),
  /** A plain link: the browser downloads it (Content-Disposition: attachment) with the session cookie. */
  exportUrl: (customerId: string) => `/api/customers/${id(customerId)}/export`,
  erase: (customerId: string, body: EraseCustomerBody) =>
    request(`/api/customers/${id(customerId)}/erase`, { method: "POST", body, schema: EraseResponse }).then((r) => r.erased),
};
