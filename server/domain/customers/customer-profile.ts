// The customer record through Prisma: what the panel shows (name, tier, identities, consent, tags) and
// what any agent may change on it (name, tags, customer notes), each change audited in its transaction.
import type { CustomerView } from "../../../shared/api.ts";
import type { CustomerNoteView, UpdateCustomerBody } from "../../../shared/customers.ts";
import type { Prisma, PrismaClient } from "../../db/client.ts";
import { AppError } from "../../errors.ts";
import { assertCan, type Actor } from "../auth/permissions.ts";
import type { EventPublisher } from "../events.ts";
import { loadConversation } from "../queries.ts";
import type pg from "pg";

export interface CustomerDeps {
  prisma: PrismaClient;
  pool: pg.Pool;
  events: EventPublisher;
}

/**
 * After a change to the customer's record: panels watching them reload, and each of their open
 * conversations is announced again, since its view names the customer (work lists, offers, boards).
 */
export async function announceCustomerChanged(deps: CustomerDeps, customerId: string): Promise<void> {
  const open = await deps.prisma.conversation.findMany({ where: { customerId, status: { not: "resolved" } }, select: { id: true } });
  const conversations = (await Promise.all(open.map((c) => loadConversation(deps.pool, c.id)))).filter((c) => c !== null);
  await deps.events.publish({ type: "customer.updated", customerId }, ...conversations.map((conversation) => ({ type: "conversation.updated" as const, conversation })));
}

const PROFILE = {
  identities: { orderBy: { createdAt: "asc" } },
  consents: { orderBy: { channel: "asc" } },
} as const satisfies Prisma.CustomerInclude;
type ProfileRow = Prisma.CustomerGetPayload<{ include: typeof PROFILE }>;

function customerView(r: ProfileRow): CustomerView {
  return {
    id: r.id,
    displayName: r.displayName,
    tier: r.tier,
    tierSource: r.tierSource === "set" ? "set" : "derived",
    lifetimeValue: r.lifetimeValue === null ? null : Number(r.lifetimeValue),
    tags: r.tags,
    createdAt: r.createdAt.toISOString(),
    identities: r.identities.map((i) => ({ kind: i.kind, value: i.value, verified: i.verified, source: i.source, createdAt: i.createdAt.toISOString() })),
    consents: r.consents.map((c) => ({ channel: c.channel, status: c.status, updatedAt: c.updatedAt.toISOString() })),
  };
}

const noSuchCustomer = () => new AppError("NOT_FOUND", "No such customer");

export async function loadCustomer(deps: { prisma: PrismaClient }, customerId: string): Promise<CustomerView> {
  const row = await deps.prisma.customer.findUnique({ where: { id: customerId }, include: PROFILE });
  if (!row) throw noSuchCustomer();
  return customerView(row);
}

/** Any agent may rename or tag a customer (the role table: "edit a customer", audited). */
export async function updateCustomer(deps: CustomerDeps, actor: Actor, customerId: string, body: UpdateCustomerBody): Promise<CustomerView> {
  assertCan(actor, "customer.edit");
  const updated = await deps.prisma.$transaction(async (tx) => {
    // Locked so that two edits at once each record the state the other left, not a stale "before".
    const locked = await tx.$queryRaw<{ id: string }[]>`SELECT id FROM customers WHERE id = ${customerId}::uuid FOR UPDATE`;
    if (locked.length === 0) throw noSuchCustomer();
    const before = await tx.customer.findUniqueOrThrow({ where: { id: customerId }, select: { displayName: true, tags: true } });
    const data: Prisma.CustomerUpdateInput = {};
    if (body.displayName !== undefined) data.displayName = body.displayName || null;
    if (body.tags !== undefined) data.tags = body.tags;
    const row = await tx.customer.update({ where: { id: customerId }, data, include: PROFILE });
    await tx.auditEvent.create({
      data: {
        actorId: actor.id,
        action: "customer_updated",
        entityType: "customer",
        entityId: customerId,
        data: { before, after: { displayName: row.displayName, tags: row.tags } } as Prisma.InputJsonObject,
      },
    });
    return customerView(row);
  });
  await announceCustomerChanged(deps, customerId);
  return updated;
}

const NOTE_AUTHOR = { agent: { select: { id: true, name: true } } } as const;
type NoteRow = Prisma.NoteGetPayload<{ include: typeof NOTE_AUTHOR }>;
const noteView = (n: NoteRow): CustomerNoteView => ({
  id: n.id,
  body: n.body,
  author: { id: n.agent.id, name: n.agent.name },
  conversationId: n.conversationId,
  createdAt: n.createdAt.toISOString(),
});

/** Notes about the customer (not about one conversation), newest first. */
export async function listCustomerNotes(deps: { prisma: PrismaClient }, actor: Actor, customerId: string): Promise<CustomerNoteView[]> {
  assertCan(actor, "conversation.read");
  const exists = await deps.prisma.customer.count({ where: { id: customerId } });
  if (!exists) throw noSuchCustomer();
  const notes = await deps.prisma.note.findMany({ where: { customerId }, include: NOTE_AUTHOR, orderBy: [{ createdAt: "desc" }, { id: "desc" }], take: 100 });
  return notes.map(noteView);
}

export async function addCustomerNote(deps: CustomerDeps, actor: Actor, customerId: string, body: string): Promise<CustomerNoteView> {
  assertCan(actor, "note.write");
  const note = await deps.prisma.$transaction(async (tx) => {
    const exists = await tx.customer.count({ where: { id: customerId } });
    if (!exists) throw noSuchCustomer();
    const row = await tx.note.create({ data: { customerId, agentId: actor.id, body }, include: NOTE_AUTHOR });
    await tx.auditEvent.create({
      data: { actorId: actor.id, action: "customer_note_added", entityType: "customer", entityId: customerId, data: { noteId: row.id } },
    });
    return noteView(row);
  });
  await deps.events.publish({ type: "customer.updated", customerId });
  return note;
}
