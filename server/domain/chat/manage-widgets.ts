// Admins register the sites that embed the chat widget: a public key, allowed origins, a signing secret.
import { randomBytes } from "node:crypto";
import type pg from "pg";
import type { CreateWidgetBody, WidgetView } from "../../../shared/api.ts";

interface WidgetRow {
  public_key: string;
  name: string;
  allowed_origins: string[];
  identity_secret: string;
}

export function widgetView(r: WidgetRow, publicUrl: string): WidgetView {
  return {
    publicKey: r.public_key,
    name: r.name,
    allowedOrigins: r.allowed_origins,
    identitySecret: r.identity_secret,
    embedSnippet: `<script src="${publicUrl}/widget.js" data-switchboard-key="${r.public_key}" async></script>`,
  };
}

export async function createWidget(deps: { pool: pg.Pool | pg.PoolClient; publicUrl: string }, body: CreateWidgetBody): Promise<WidgetView> {
  const { rows } = await deps.pool.query<WidgetRow>(
    `INSERT INTO chat_widgets (public_key, name, allowed_origins, identity_secret) VALUES ($1, $2, $3, $4)
     RETURNING public_key, name, allowed_origins, identity_secret`,
    [`wk_${randomBytes(12).toString("base64url")}`, body.name, body.allowedOrigins, randomBytes(32).toString("base64url")],
  );
  return widgetView(rows[0]!, deps.publicUrl);
}

export async function listWidgets(deps: { pool: pg.Pool; publicUrl: string }): Promise<WidgetView[]> {
  const { rows } = await deps.pool.query<WidgetRow>(
    `SELECT public_key, name, allowed_origins, identity_secret FROM chat_widgets ORDER BY created_at`,
  );
  return rows.map((r) => widgetView(r, deps.publicUrl));
}
