// Everything Switchboard holds about one customer, as one JSON document (an admin's download for a
// subject-access request): the record, identities, consent and its ledger, every conversation with every
// message (email headers, text, sanitized HTML, attachment metadata with a signed link), notes,
// reminders, chat profiles, merges and audit events about them. The export itself is audited.
import type pg from "pg";
import { CUSTOMER_EXPORT_VERSION } from "../../../shared/privacy.ts";
import type { PrismaClient } from "../../db/client.ts";
import { AppError } from "../../errors.ts";
import { assertCan, type Actor } from "../auth/permissions.ts";
import { attachmentUrl } from "../chat/attachments.ts";
import { KNOWN_TABLES, customerTables, mentionsCustomers, quoteIdent } from "./customer-tables.ts";

export interface ExportDeps {
  pool: pg.Pool;
  prisma: PrismaClient;
  publicUrl: string;
  sessionSecret: string;
}

/** JSON has no bigint or Decimal: both become strings, so nothing is rounded. */
function plain(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value, (_k, v) => (typeof v === "bigint" ? v.toString() : v)));
}

/** The header block of a raw mail (up to the first blank line). */
function headersOf(raw: Uint8Array | null): string | null {
  if (!raw) return null;
  const text = Buffer.from(raw).toString("latin1");
  const end = text.search(/\r?\n\r?\n/);
  return (end < 0 ? text : text.slice(0, end)).slice(0, 200_000);
}

export async function exportCustomer(deps: ExportDeps, actor: Actor, customerId: string): Promise<Record<string, unknown>> {
  assertCan(actor, "customers.export");
  const customer = await deps.prisma.customer.findUnique({
    where: { id: customerId },
    include: {
      identities: { orderBy: { createdAt: "asc" } },
      consents: true,
      consentChanges: { orderBy: { createdAt: "asc" } },
      notes: { orderBy: { createdAt: "asc" }, include: { agent: { select: { id: true, name: true } } } },
      reminders: { orderBy: { createdAt: "asc" }, include: { agent: { select: { id: true, name: true } } } },
    },
  });
  if (!customer) throw new AppError("NOT_FOUND", "No such customer");
  const conversations = await deps.prisma.conversation.findMany({
    where: { customerId },
    orderBy: { createdAt: "asc" },
    include: {
      queue: { select: { id: true, name: true } },
      assignedAgent: { select: { id: true, name: true } },
      messages: {
        orderBy: [{ createdAt: "asc" }, { id: "asc" }],
        include: {
          authorAgent: { select: { id: true, name: true } },
          // The files' metadata and a signed link; their bytes stay behind the link.
          attachments: { select: { id: true, fileName: true, contentType: true, sizeBytes: true, contentId: true, createdAt: true } },
          emailContent: { select: { html: true, raw: true, rawSize: true } },
        },
      },
    },
  });
  const messageIds = conversations.flatMap((c) => c.messages.map((m) => m.id));
  const entityIds = [customerId, ...conversations.map((c) => c.id), ...messageIds, ...customer.notes.map((n) => n.id), ...customer.reminders.map((r) => r.id)];
  const audit = await deps.prisma.auditEvent.findMany({ where: { entityId: { in: entityIds } }, orderBy: { createdAt: "asc" } });
  const chatProfiles = await deps.prisma.chatProfile.findMany({
    where: {
      OR: [
        { visitorId: { in: customer.identities.filter((i) => i.kind === "chat_visitor").map((i) => i.value) } },
        { email: { in: customer.identities.filter((i) => i.kind === "email").map((i) => i.value) } },
        { phone: { in: customer.identities.filter((i) => i.kind === "phone").map((i) => i.value) } },
      ],
    },
  });
  const link = (id: string) => attachmentUrl(deps.publicUrl, deps.sessionSecret, id);

  const document = {
    format: "switchboard.customer-export",
    version: CUSTOMER_EXPORT_VERSION,
    exportedAt: new Date().toISOString(),
    exportedBy: { id: actor.id, name: actor.name },
    customer: {
      id: customer.id, displayName: customer.displayName, tags: customer.tags, tier: customer.tier, lifetimeValue: customer.lifetimeValue?.toString() ?? null,
      tierSource: customer.tierSource, mergedIntoId: customer.mergedIntoId, erasedAt: customer.erasedAt, createdAt: customer.createdAt, updatedAt: customer.updatedAt,
    },
    identities: customer.identities.map(({ customerId: _c, ...i }) => i),
    consents: customer.consents.map(({ customerId: _c, ...c }) => c),
    consentLedger: customer.consentChanges.map(({ customerId: _c, ...c }) => c),
    conversations: conversations.map(({ messages, ...c }) => ({
      ...c,
      messages: messages.map(({ emailContent, attachments, ...m }) => ({
        ...m,
        attachments: attachments.map((a) => ({ ...a, url: link(a.id) })),
        email: emailContent ? { headers: headersOf(emailContent.raw), sanitizedHtml: emailContent.html, rawSize: emailContent.rawSize } : null,
      })),
    })),
    notes: customer.notes,
    reminders: customer.reminders,
    chatProfiles,
    // Tables added by other features (merges, …) that point at the customer, row by row.
    other: await otherTables(deps.pool, customerId),
    merges: await mergesOf(deps.pool, customerId),
    auditEvents: audit,
  };
  await deps.prisma.auditEvent.create({
    data: { actorId: actor.id, action: "customer.exported", entityType: "customer", entityId: customerId, data: { conversations: conversations.length, messages: messageIds.length } },
  });
  return plain(document) as Record<string, unknown>;
}

/** Rows of every other table with a foreign key to the customer, without their binary columns. */
async function otherTables(pool: pg.Pool, customerId: string): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  for (const t of await customerTables(pool)) {
    if (KNOWN_TABLES.has(t.table) || t.table === "customer_merges") continue;
    const cols = t.columns.filter((c) => c.type !== "bytea").map((c) => quoteIdent(c.name));
    const { rows } = await pool.query(`SELECT ${cols.join(", ")} FROM ${quoteIdent(t.table)} WHERE ${mentionsCustomers(t)}`, [[customerId]]);
    out[t.table] = rows;
  }
  return out;
}

/** Merges involving the customer (a table of the merge feature, when it is installed), whatever its columns. */
async function mergesOf(pool: pg.Pool, customerId: string): Promise<unknown[]> {
  const exists = await pool.query<{ t: string | null }>(`SELECT to_regclass('public.customer_merges')::text AS t`);
  if (!exists.rows[0]?.t) return [];
  const { rows } = await pool.query<{ row: unknown }>(`SELECT to_jsonb(m) AS row FROM customer_merges m WHERE to_jsonb(m)::text LIKE '%' || $1 || '%'`, [customerId]);
  return rows.map((r) => r.row);
}
