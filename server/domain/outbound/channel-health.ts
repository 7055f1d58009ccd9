// A channel whose provider refuses our credentials (Twilio 20003, HTTP 401) is failing: one row in
// channel_health says so, everybody sees a banner, its sends are held (not failed one by one) and a
// probe send clears it once the provider accepts again. Logged once per outage, not once per message.
import type pg from "pg";
import type { ChannelHealth } from "../../../shared/api.ts";
import type { Channel } from "../../../shared/domain.ts";
import type { Logger } from "../../log.ts";
import type { EventPublisher } from "../events.ts";

export interface ChannelHealthDeps {
  pool: pg.Pool;
  events: EventPublisher;
  log: Logger;
}

interface HealthRow {
  channel: Channel;
  status: "ok" | "failing";
  error_code: string | null;
  reason: string | null;
  since: Date;
}

const view = (r: HealthRow): ChannelHealth => ({
  channel: r.channel,
  status: r.status,
  errorCode: r.error_code,
  reason: r.reason,
  since: r.since.toISOString(),
});

/** Every channel that is failing now (the others are healthy as far as we know). */
export async function failingChannels(pool: pg.Pool): Promise<ChannelHealth[]> {
  const { rows } = await pool.query<HealthRow>(`SELECT channel, status, error_code, reason, since FROM channel_health WHERE status = 'failing' ORDER BY channel`);
  return rows.map(view);
}

/** Records that the provider refused us. Returns true when the channel was healthy until now. */
export async function markChannelFailing(
  deps: ChannelHealthDeps,
  opts: { channel: Channel; errorCode: string | null; reason: string },
): Promise<boolean> {
  const { rows } = await deps.pool.query<HealthRow & { previous: string | null }>(
    `WITH before AS (SELECT status FROM channel_health WHERE channel = $1 FOR UPDATE)
     INSERT INTO channel_health AS h (channel, status, error_code, reason, since, checked_at)
     VALUES ($1, 'failing', $2, $3, now(), now())
     ON CONFLICT (channel) DO UPDATE SET
       status = 'failing', error_code = EXCLUDED.error_code, reason = EXCLUDED.reason, checked_at = now(),
       since = CASE WHEN h.status = 'failing' THEN h.since ELSE now() END
     RETURNING channel, status, error_code, reason, since, (SELECT status::text FROM before) AS previous`,
    [opts.channel, opts.errorCode, opts.reason],
  );
  const row = rows[0]!;
  if (row.previous === "failing") return false;
  deps.log.error("channel failing: the provider refuses our credentials; its sends are held until it accepts again", {
    channel: opts.channel,
    code: opts.errorCode,
    reason: opts.reason,
  });
  await publishQuietly(deps, view(row));
  return true;
}

/** A send went through: the channel works again. Returns true when it was failing until now. */
export async function markChannelHealthy(deps: ChannelHealthDeps, channel: Channel): Promise<boolean> {
  const { rows } = await deps.pool.query<HealthRow>(
    `UPDATE channel_health SET status = 'ok', error_code = NULL, reason = NULL, since = now(), checked_at = now()
      WHERE channel = $1 AND status = 'failing' RETURNING channel, status, error_code, reason, since`,
    [channel],
  );
  if (!rows[0]) return false;
  deps.log.info("channel recovered: held sends go out now", { channel });
  await publishQuietly(deps, view(rows[0]));
  return true;
}

async function publishQuietly(deps: ChannelHealthDeps, health: ChannelHealth): Promise<void> {
  // The row is the record: a client that missed the event reads it again from /api/channels.
  await deps.events.publish({ type: "channel.health", health }).catch((err) => deps.log.warn("channel health not announced", { err: (err as Error).message }));
}
