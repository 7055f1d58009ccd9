// Fetches the provider-held files of an inbound message (Twilio MMS) into our storage, checked as chat
// files are (allowed types, size limit, bytes that match the type), and puts our signed link in their
// place. A file that cannot be had stays on the message as "unavailable" with the reason: the message
// itself is never touched otherwise. Pending files live in Postgres, so a sweep re-queues lost jobs.
import type pg from "pg";
import { MediaFetchError, type ChannelAdapter } from "../../../channels/channel.ts";
import type { Channel } from "../../../shared/domain.ts";
import { withTransaction } from "../../db/client.ts";
import { attachmentUrl, contentMatchesType } from "../chat/attachments.ts";
import type { EventPublisher } from "../events.ts";
import { loadMessage } from "../queries.ts";
import type { WorkQueues } from "../work-queues.ts";
import type { StoredMedia } from "./stored-media.ts";

/** Twilio's own limit for an MMS is 5 MB. */
export const MEDIA_MAX_BYTES = 5 * 1024 * 1024;
/** What an MMS may carry and we keep (the common MMS types; anything else is marked unavailable). */
export const MEDIA_TYPES = [
  "image/jpeg", "image/png", "image/gif", "image/webp", "image/bmp", "image/heic",
  "audio/mpeg", "audio/mp4", "audio/amr", "audio/ogg", "audio/wav",
  "video/mp4", "video/3gpp", "video/quicktime",
  "application/pdf", "text/plain", "text/vcard", "text/x-vcard", "text/calendar",
];

export interface MediaDeps {
  pool: pg.Pool;
  events: EventPublisher;
  adapters: Partial<Record<Channel, ChannelAdapter>>;
  publicUrl: string;
  sessionSecret: string;
}

type Outcome = { state: "stored"; attachmentId: string; contentType: string } | { state: "unavailable"; reason: string } | { state: "retry"; reason: string };

/** Returns true when a file still waits for a later attempt (the job then throws, for BullMQ's back-off). */
export async function fetchMessageMedia(deps: MediaDeps, opts: { messageId: string; finalAttempt: boolean }): Promise<{ retry: string | null }> {
  const { rows } = await deps.pool.query<{ channel: Channel; customer_id: string; media: StoredMedia[] }>(
    `SELECT channel, customer_id, media FROM messages WHERE id = $1`,
    [opts.messageId],
  );
  const message = rows[0];
  if (!message) return { retry: null };
  const adapter = deps.adapters[message.channel];
  const outcomes = new Map<number, Outcome>();
  for (const [index, item] of message.media.entries()) {
    if (item.state !== "pending" || !item.sourceUrl) continue;
    outcomes.set(index, await fetchOne(deps, adapter, item, opts.finalAttempt));
  }
  if (outcomes.size === 0) return { retry: null };

  const changed = await withTransaction(deps.pool, async (tx) => {
    const locked = await tx.query<{ media: StoredMedia[] }>(`SELECT media FROM messages WHERE id = $1 FOR UPDATE`, [opts.messageId]);
    const media = locked.rows[0]?.media ?? [];
    let any = false;
    for (const [index, outcome] of outcomes) {
      const item = media[index];
      // Another job got there first: its result stands, and ours is dropped.
      if (!item || item.state !== "pending") {
        if (outcome.state === "stored") await tx.query(`DELETE FROM attachments WHERE id = $1`, [outcome.attachmentId]);
        continue;
      }
      if (outcome.state === "retry") continue;
      any = true;
      if (outcome.state === "stored") {
        await tx.query(`UPDATE attachments SET message_id = $2, customer_id = $3 WHERE id = $1`, [outcome.attachmentId, opts.messageId, message.customer_id]);
        media[index] = { url: attachmentUrl(deps.publicUrl, deps.sessionSecret, outcome.attachmentId), contentType: outcome.contentType };
      } else {
        media[index] = { state: "unavailable", contentType: item.contentType, reason: outcome.reason, failedAt: new Date().toISOString() };
      }
    }
    if (any) {
      await tx.query(`UPDATE messages SET media = $2, updated_at = now(), change_seq = nextval('message_change_seq') WHERE id = $1`, [
        opts.messageId,
        JSON.stringify(media),
      ]);
    }
    return any;
  });
  if (changed) {
    const loaded = await loadMessage(deps.pool, opts.messageId);
    if (loaded) await deps.events.publish({ type: "message.updated", ...loaded });
  }
  const retry = [...outcomes.values()].find((o) => o.state === "retry");
  return { retry: retry?.state === "retry" ? retry.reason : null };
}

async function fetchOne(deps: MediaDeps, adapter: ChannelAdapter | undefined, item: StoredMedia, finalAttempt: boolean): Promise<Outcome> {
  if (!adapter?.fetchMedia) return { state: "unavailable", reason: "the channel is off, so the file cannot be fetched" };
  let fetched;
  try {
    fetched = await adapter.fetchMedia(item.sourceUrl!, { maxBytes: MEDIA_MAX_BYTES });
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    if (err instanceof MediaFetchError && err.final) return { state: "unavailable", reason };
    return finalAttempt ? { state: "unavailable", reason: `${reason} (gave up after retrying)` } : { state: "retry", reason };
  }
  // The type Twilio serves it as; the webhook's when the download says nothing useful.
  const contentType = fetched.contentType && fetched.contentType !== "application/octet-stream" ? fetched.contentType : item.contentType;
  if (!MEDIA_TYPES.includes(contentType)) return { state: "unavailable", reason: `files of type ${contentType} are not kept` };
  if (fetched.data.length === 0) return { state: "unavailable", reason: "the file is empty" };
  if (!contentMatchesType(contentType, fetched.data)) return { state: "unavailable", reason: `the file's content is not ${contentType}` };
  const stored = await deps.pool.query<{ id: string }>(
    `INSERT INTO attachments (file_name, content_type, size_bytes, data) VALUES ($1, $2, $3, $4) RETURNING id`,
    [`mms-${Date.now()}`, contentType, fetched.data.length, fetched.data],
  );
  return { state: "stored", attachmentId: stored.rows[0]!.id, contentType };
}

/** Re-queues fetches of files still pending after a while: their job was lost with Redis, or never queued. */
export async function sweepPendingMedia(deps: { pool: pg.Pool; queues: WorkQueues }, opts: { olderThanSeconds?: number; limit?: number } = {}): Promise<number> {
  const { rows } = await deps.pool.query<{ id: string }>(
    `SELECT id FROM messages
      WHERE direction = 'inbound' AND media @> '[{"state": "pending"}]'::jsonb AND created_at < now() - make_interval(secs => $1)
      ORDER BY created_at LIMIT $2`,
    [opts.olderThanSeconds ?? 30, opts.limit ?? 200],
  );
  for (const r of rows) await deps.queues.fetchMessageMedia(r.id);
  return rows.length;
}
