// Admins register the sites that embed the chat widget: a public key, allowed origins, a signing secret.
import { randomBytes } from "node:crypto";
import type pg from "pg";
import type { CreateWidgetBody, WidgetView } from "../../../shared/api.ts";
import { withTransaction } from "../../db/client.ts";
import { recordAudit } from "../audit.ts";
import { assertCan, can, type Actor } from "../auth/permissions.ts";

interface WidgetRow {
  public_key: string;
  name: string;
  allowed_origins: string[];
  identity_secret: string;
}

export function widgetView(r: WidgetRow, publicUrl: string, opts: { withSecret: boolean } = { withSecret: true }): WidgetView {
  return {
    publicKey: r.public_key,
    name: r.name,
    allowedOrigins: r.allowed_origins,
    identitySecret: opts.withSecret ? r.identity_secret : null,
    embedSnippet: `<script src="${publicUrl}/widget.js" data-switchboard-key="${r.public_key}" async></script>`,
  };
}

export async function createWidget(deps: { pool: pg.Pool; publicUrl: string }, actor: Actor, body: CreateWidgetBody): Promise<WidgetView> {
  assertCan(actor, "widgets.manage");
  return withTransaction(deps.pool, (tx) => insertWidget(tx, { publicUrl: deps.publicUrl, actorId: actor.id }, body));
}

/** The insert and its audit row, inside the caller's transaction (the demo seed has no actor: null). */
export async function insertWidget(tx: pg.PoolClient, opts: { publicUrl: string; actorId: string | null }, body: CreateWidgetBody): Promise<WidgetView> {
  const { rows } = await tx.query<WidgetRow>(
    `INSERT INTO chat_widgets (public_key, name, allowed_origins, identity_secret) VALUES ($1, $2, $3, $4)
     RETURNING public_key, name, allowed_origins, identity_secret`,
    [`wk_${randomBytes(12).toString("base64url")}`, body.name, body.allowedOrigins, randomBytes(32).toString("base64url")],
  );
  const widget = rows[0]!;
  await recordAudit(tx, {
    actorId: opts.actorId,
    action: "widget_created",
    entityType: "chat_widget",
    entityId: widget.public_key,
    data: { name: widget.name, allowedOrigins: widget.allowed_origins },
  });
  return widgetView(widget, opts.publicUrl);
}

/** Supervisors may read the widgets; only admins see the identity secret. */
export async function listWidgets(deps: { pool: pg.Pool; publicUrl: string }, actor: Actor): Promise<WidgetView[]> {
  assertCan(actor, "widgets.read");
  const withSecret = can(actor, "widgets.manage");
  const { rows } = await deps.pool.query<WidgetRow>(
    `SELECT public_key, name, allowed_origins, identity_secret FROM chat_widgets ORDER BY created_at`,
  );
  return rows.map((r) => widgetView(r, deps.publicUrl, { withSecret }));
}
