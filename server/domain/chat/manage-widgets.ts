// Admins register the sites that embed the chat widget: a public key, allowed origins, a signing secret.
import { randomBytes } from "node:crypto";
import type pg from "pg";
import type { CreateWidgetBody, WidgetView } from "../../../shared/api.ts";
import type { UpdateWidgetBody } from "../../../shared/queues.ts";
import { withTransaction } from "../../db/client.ts";
import { AppError } from "../../errors.ts";
import { recordAudit } from "../audit.ts";
import { assertCan, can, type Actor } from "../auth/permissions.ts";
import { assertQueuesExist } from "../queues/queue-rows.ts";

interface WidgetRow {
  public_key: string;
  name: string;
  allowed_origins: string[];
  identity_secret: string;
  queue_id: string | null;
}
const WIDGET_COLUMNS = "public_key, name, allowed_origins, identity_secret, queue_id";

export function widgetView(r: WidgetRow, publicUrl: string, opts: { withSecret: boolean } = { withSecret: true }): WidgetView {
  return {
    publicKey: r.public_key,
    name: r.name,
    allowedOrigins: r.allowed_origins,
    identitySecret: opts.withSecret ? r.identity_secret : null,
    embedSnippet: `<script src="${publicUrl}/widget.js" data-switchboard-key="${r.public_key}" async></script>`,
    queueId: r.queue_id,
  };
}

export async function createWidget(deps: { pool: pg.Pool; publicUrl: string }, actor: Actor, body: CreateWidgetBody): Promise<WidgetView> {
  assertCan(actor, "widgets.manage");
  return withTransaction(deps.pool, (tx) => insertWidget(tx, { publicUrl: deps.publicUrl, actorId: actor.id }, body));
}

/** The insert and its audit row, inside the caller's transaction (the demo seed has no actor: null). */
export async function insertWidget(tx: pg.PoolClient, opts: { publicUrl: string; actorId: string | null }, body: CreateWidgetBody): Promise<WidgetView> {
  await assertQueuesExist(tx, { queueId: body.queueId });
  const { rows } = await tx.query<WidgetRow>(
    `INSERT INTO chat_widgets (public_key, name, allowed_origins, identity_secret, queue_id) VALUES ($1, $2, $3, $4, $5)
     RETURNING ${WIDGET_COLUMNS}`,
    [`wk_${randomBytes(12).toString("base64url")}`, body.name, body.allowedOrigins, randomBytes(32).toString("base64url"), body.queueId ?? null],
  );
  const widget = rows[0]!;
  await recordAudit(tx, {
    actorId: opts.actorId,
    action: "widget_created",
    entityType: "chat_widget",
    entityId: widget.public_key,
    data: { name: widget.name, allowedOrigins: widget.allowed_origins, queueId: widget.queue_id },
  });
  return widgetView(widget, opts.publicUrl);
}

/** Supervisors may read the widgets; only admins see the identity secret. */
export async function listWidgets(deps: { pool: pg.Pool; publicUrl: string }, actor: Actor): Promise<WidgetView[]> {
  assertCan(actor, "widgets.read");
  const withSecret = can(actor, "widgets.manage");
  const { rows } = await deps.pool.query<WidgetRow>(`SELECT ${WIDGET_COLUMNS} FROM chat_widgets ORDER BY created_at`);
  return rows.map((r) => widgetView(r, deps.publicUrl, { withSecret }));
}

/** Renames a widget or changes the queue its chats join (null: the default queue); audited. */
export async function updateWidget(
  deps: { pool: pg.Pool; publicUrl: string },
  actor: Actor,
  publicKey: string,
  body: UpdateWidgetBody,
): Promise<WidgetView> {
  assertCan(actor, "widgets.manage");
  return withTransaction(deps.pool, async (tx) => {
    const before = (await tx.query<WidgetRow>(`SELECT ${WIDGET_COLUMNS} FROM chat_widgets WHERE public_key = $1 FOR UPDATE`, [publicKey])).rows[0];
    if (!before) throw new AppError("NOT_FOUND", "No such widget");
    await assertQueuesExist(tx, { queueId: body.queueId });
    const { rows } = await tx.query<WidgetRow>(
      `UPDATE chat_widgets SET name = COALESCE($2, name), queue_id = CASE WHEN $3 THEN $4::uuid ELSE queue_id END
        WHERE public_key = $1 RETURNING ${WIDGET_COLUMNS}`,
      [publicKey, body.name ?? null, body.queueId !== undefined, body.queueId ?? null],
    );
    const after = rows[0]!;
    const brief = (w: WidgetRow) => ({ name: w.name, queueId: w.queue_id });
    await recordAudit(tx, { actorId: actor.id, action: "widget_updated", entityType: "chat_widget", entityId: publicKey, data: { before: brief(before), after: brief(after) } });
    return widgetView(after, deps.publicUrl);
  });
}
