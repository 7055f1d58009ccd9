// What a chat visitor may do: send into their own conversation and read their own chat history.
// A visitor is reached only through their signed visitor id; no id they send can name another's data.
import type pg from "pg";
import type { ChatMessageView, ChatSession } from "../../../shared/chat.ts";
import type { MediaItem } from "../../../shared/inbound.ts";
import { AppError } from "../../errors.ts";
import type { EventPublisher } from "../events.ts";
import { ingestInbound, type IngestDeps } from "../ingest/ingest-inbound.ts";
import { loadMessage } from "../queries.ts";
import { attachmentUrl, attachToMessage, findVisitorUpload, type UploadLimits } from "./attachments.ts";

export interface ChatWidgetRow {
  id: string;
  public_key: string;
  name: string;
  allowed_origins: string[];
  identity_secret: string;
}

export async function findWidget(pool: pg.Pool, publicKey: string): Promise<ChatWidgetRow | null> {
  const { rows } = await pool.query<ChatWidgetRow>(
    `SELECT id, public_key, name, allowed_origins, identity_secret FROM chat_widgets WHERE public_key = $1`,
    [publicKey],
  );
  return rows[0] ?? null;
}

interface ChatMessageRow {
  id: string;
  direction: "inbound" | "outbound" | "internal";
  external_id: string | null;
  author_name: string | null;
  body: string;
  created_at: Date;
  change_seq: string;
  visitor_id: string;
  media: MediaItem[];
  status: string;
  read_at: Date | null;
}

const CHAT_MESSAGE_COLUMNS = `m.id, m.direction, m.external_id, au.name AS author_name, m.body, m.created_at, m.change_seq, m.media, m.status, m.read_at, cv.customer_address AS visitor_id`;

function chatMessageView(r: ChatMessageRow): ChatMessageView {
  return {
    id: r.id,
    // Inbound chat messages are stored with external id "<visitorId>:<clientId>".
    clientId: r.direction === "inbound" && r.external_id ? (r.external_id.split(":")[1] ?? null) : null,
    from: r.direction === "inbound" ? "visitor" : r.direction === "outbound" ? "agent" : "system",
    authorName: r.direction === "outbound" ? r.author_name : null,
    body: r.body,
    createdAt: new Date(r.created_at).toISOString(),
    seq: String(r.change_seq),
    // A visitor's own message is delivered once stored; a reply once the widget confirmed it.
    delivered: r.direction === "inbound" || r.status === "delivered",
    readAt: r.read_at ? new Date(r.read_at).toISOString() : null,
    attachments: r.media.map((m) => ({ url: m.url, contentType: m.contentType, name: m.name ?? null })),
  };
}

/** Loads one message as the visitor sees it, with the visitor it belongs to. */
export async function loadChatMessage(pool: pg.Pool, messageId: string): Promise<{ visitorId: string; message: ChatMessageView } | null> {
  const { rows } = await pool.query<ChatMessageRow>(
    `SELECT ${CHAT_MESSAGE_COLUMNS} FROM messages m JOIN conversations cv ON cv.id = m.conversation_id
       LEFT JOIN agents au ON au.id = m.author_agent_id
      WHERE m.id = $1 AND cv.channel = 'chat'`,
    [messageId],
  );
  return rows[0] ? { visitorId: rows[0].visitor_id, message: chatMessageView(rows[0]) } : null;
}

/** The visitor's chat state: new (never wrote), open, or ended (their last conversation was resolved). */
export async function chatState(pool: pg.Pool, visitorId: string): Promise<ChatSession["state"]> {
  const { rows } = await pool.query<{ status: string }>(
    `SELECT status FROM conversations WHERE channel = 'chat' AND customer_address = $1 ORDER BY created_at DESC LIMIT 1`,
    [visitorId],
  );
  if (!rows[0]) return "new";
  return rows[0].status === "resolved" ? "ended" : "open";
}

/**
 * The visitor's own chat messages (never other channels, never internal notes).
 * Without afterSeq: the latest 200, oldest first. With afterSeq: everything added or changed since, in
 * seq order, a page of 500 at a time (`hasMore` says to ask again from the last seq).
 */
export async function visitorHistory(
  pool: pg.Pool,
  opts: { visitorId: string; afterSeq?: string | undefined },
): Promise<{ messages: ChatMessageView[]; hasMore: boolean }> {
  const base = `SELECT ${CHAT_MESSAGE_COLUMNS} FROM messages m JOIN conversations cv ON cv.id = m.conversation_id
         LEFT JOIN agents au ON au.id = m.author_agent_id
        WHERE cv.channel = 'chat' AND cv.customer_address = $1 AND m.direction IN ('inbound', 'outbound')`;
  if (opts.afterSeq !== undefined) {
    const { rows } = await pool.query<ChatMessageRow>(`${base} AND m.change_seq > $2::bigint ORDER BY m.change_seq LIMIT 501`, [opts.visitorId, opts.afterSeq]);
    return { messages: rows.slice(0, 500).map(chatMessageView), hasMore: rows.length > 500 };
  }
  const { rows } = await pool.query<ChatMessageRow>(
    `SELECT * FROM (${base} ORDER BY m.created_at DESC, m.id DESC LIMIT 200) recent ORDER BY created_at, id`,
    [opts.visitorId],
  );
  return { messages: rows.map(chatMessageView), hasMore: false };
}

export interface VisitorSendDeps extends IngestDeps {
  events: EventPublisher;
  uploads: UploadLimits;
  publicUrl: string;
  /** Signs attachment links. */
  sessionSecret: string;
}

/** A visitor's message: ingested like any inbound (idempotent on its client id), echoed to their tabs. */
export async function visitorSends(
  deps: VisitorSendDeps,
  opts: { visitorId: string; widgetKey: string; clientId: string; body: string; attachmentId?: string | undefined },
): Promise<ChatMessageView> {
  const externalId = `${opts.visitorId}:${opts.clientId}`;
  const existing = await deps.pool.query<{ id: string }>(`SELECT id FROM messages WHERE channel = 'chat' AND external_id = $1`, [externalId]);
  if (existing.rows[0]) {
    // A resend (the widget lost the ack): the stored message, unchanged, and no second file.
    const loaded = await loadChatMessage(deps.pool, existing.rows[0].id);
    if (loaded) return loaded.message;
  }
  const media: MediaItem[] = [];
  let attachmentId: string | null = null;
  if (opts.attachmentId) {
    const upload = await findVisitorUpload(deps.pool, { visitorId: opts.visitorId, attachmentId: opts.attachmentId });
    if (!upload) throw new AppError("VALIDATION", "attachmentId: no such upload of yours waiting to be sent");
    attachmentId = upload.id;
    media.push({ url: attachmentUrl(deps.publicUrl, deps.sessionSecret, upload.id), contentType: upload.contentType, name: upload.name });
  }
  const result = await ingestInbound(deps, {
    channel: "chat",
    externalId,
    from: { kind: "chat_visitor", value: opts.visitorId, verified: true },
    to: opts.widgetKey,
    body: opts.body,
    media,
  });
  if (attachmentId && result.created) await attachToMessage(deps.pool, attachmentId, result.messageId, result.customerId);
  const loaded = await loadChatMessage(deps.pool, result.messageId);
  if (!loaded || loaded.visitorId !== opts.visitorId) throw new AppError("CONFLICT", "This message id was already used");
  if (result.created) await deps.events.publish({ type: "chat.message", visitorId: opts.visitorId, message: loaded.message });
  return loaded.message;
}

/**
 * The widget confirms it received (or showed) replies: they move to delivered, and read when shown.
 * Only replies in this visitor's own chats are touched, whatever ids are sent.
 */
export async function visitorReceipt(
  deps: { pool: pg.Pool; events: EventPublisher },
  opts: { visitorId: string; messageIds: string[]; read: boolean },
): Promise<void> {
  const { rows } = await deps.pool.query<{ id: string }>(
    `UPDATE messages m SET
        status = CASE WHEN m.status IN ('queued', 'sent') THEN 'delivered'::"MessageStatus" ELSE m.status END,
        read_at = CASE WHEN $3 THEN COALESCE(m.read_at, now()) ELSE m.read_at END,
        updated_at = now(), change_seq = nextval('message_change_seq')
       FROM conversations cv
      WHERE m.id = ANY($2::uuid[]) AND cv.id = m.conversation_id AND cv.channel = 'chat' AND cv.customer_address = $1
        AND m.direction = 'outbound'
        AND (m.status IN ('queued', 'sent') OR ($3 AND m.read_at IS NULL))
      RETURNING m.id`,
    [opts.visitorId, opts.messageIds, opts.read],
  );
  const events = [];
  for (const r of rows) {
    const loaded = await loadMessage(deps.pool, r.id);
    if (loaded) events.push({ type: "message.updated" as const, ...loaded });
  }
  await deps.events.publish(...events);
}

/**
 * An agent has the conversation open: the customer's messages so far are read (its unread count in the
 * work list drops to zero), and on chat the visitor's widget shows "Seen".
 */
export async function agentSawConversation(deps: { pool: pg.Pool; events: EventPublisher }, conversationId: string): Promise<void> {
  const { rows } = await deps.pool.query<{ id: string }>(
    `UPDATE messages m SET read_at = now(), updated_at = now(), change_seq = nextval('message_change_seq')
      WHERE m.conversation_id = $1 AND m.direction = 'inbound' AND m.read_at IS NULL
      RETURNING m.id`,
    [conversationId],
  );
  const events = [];
  for (const r of rows) {
    const chat = await loadChatMessage(deps.pool, r.id);
    if (chat) events.push({ type: "chat.message" as const, visitorId: chat.visitorId, message: chat.message });
    const loaded = await loadMessage(deps.pool, r.id);
    if (loaded) events.push({ type: "message.updated" as const, ...loaded });
  }
  await deps.events.publish(...events);
}

/** Tells the agents on the visitor's open chat that the customer is typing. */
export async function visitorTyping(deps: { pool: pg.Pool; events: EventPublisher }, visitorId: string, typing: boolean): Promise<void> {
  const { rows } = await deps.pool.query<{ id: string; customer_id: string; assigned_agent_id: string | null }>(
    `SELECT id, customer_id, assigned_agent_id FROM conversations
      WHERE channel = 'chat' AND customer_address = $1 AND status <> 'resolved' ORDER BY created_at DESC LIMIT 1`,
    [visitorId],
  );
  const c = rows[0];
  if (!c) return;
  await deps.events.publish({
    type: "conversation.typing",
    conversationId: c.id,
    customerId: c.customer_id,
    assignedAgentId: c.assigned_agent_id,
    who: "customer",
    agentId: null,
    name: null,
    typing,
  });
}
