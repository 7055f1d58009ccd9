// The customer's timeline: every message, email, call, voicemail, note and event of theirs, across all
// conversations and channels, optionally filtered by channel and kind. Pages are keyset pages on
// (created_at, id) and cost one query each, whatever the page size or the length of the history.
// Hand SQL kept on a hot path: bench timeline (one statement per page at 100, 10,000 and 100,000 items, beside the bare keyset SQL).
import type pg from "pg";
import type { TimelineChanges, TimelinePage } from "../../../shared/api.ts";
import type { Channel, MessageKind } from "../../../shared/domain.ts";
import { AppError } from "../../errors.ts";
import { assertCan, type Actor } from "../auth/permissions.ts";
import { MESSAGE_COLUMNS, messageView, type MessageRow } from "../views.ts";

type Deps = { pool: pg.Pool };

/** Empty lists mean "all". Both lists sorted and unique (TimelineQuery does it), so one filter has one key. */
export interface TimelineFilter {
  channel: Channel[];
  kind: MessageKind[];
}

const NO_FILTER: TimelineFilter = { channel: [], kind: [] };

function filterKey(filter: TimelineFilter): string {
  return `c=${[...filter.channel].sort().join(",")};k=${[...filter.kind].sort().join(",")}`;
}

/**
 * The cursor names the oldest message of the page and the filter it was made under. The page query
 * reads that message's (created_at, id) itself and checks it belongs to this customer and filter, so a
 * cursor of another filter, another customer or a made-up id is refused instead of giving wrong pages.
 */
function encodeCursor(id: string, filter: TimelineFilter): string {
  return Buffer.from(`v1|${id}|${filterKey(filter)}`).toString("base64url");
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function decodeCursor(cursor: string, filter: TimelineFilter): string {
  const [version, id, key, ...rest] = Buffer.from(cursor, "base64url").toString("utf8").split("|");
  if (version !== "v1" || !id || !UUID.test(id) || key === undefined || rest.length > 0) throw new AppError("VALIDATION", "Invalid timeline cursor");
  if (key !== filterKey(filter)) throw new AppError("VALIDATION", "This timeline cursor belongs to another filter: load the first page again");
  return id;
}

/** SQL conditions on alias `alias` for the filter, with its parameters numbered from `next`. */
function filterSql(alias: string, filter: TimelineFilter, next: number): { sql: string; params: unknown[] } {
  const parts: string[] = [];
  const params: unknown[] = [];
  // One value as `=`, a plain index condition on the (customer_id, channel | kind, created_at, id) indexes of migration 0021.
  const condition = (column: string, type: string, values: string[]) => {
    params.push(values.length === 1 ? values[0] : values);
    const p = `$${next + params.length - 1}`;
    parts.push(values.length === 1 ? `${alias}.${column} = ${p}::"${type}"` : `${alias}.${column} = ANY(${p}::"${type}"[])`);
  };
  if (filter.channel.length > 0) condition("channel", "Channel", filter.channel);
  if (filter.kind.length > 0) condition("kind", "MessageKind", filter.kind);
  return { sql: parts.map((p) => ` AND ${p}`).join(""), params };
}

/** A page row, or the one row of nulls (the LEFT JOIN's) when the page is empty; change_cursor on every row. */
type PageRow = Omit<MessageRow, "id"> & { id: string | null; change_cursor: string | null };

/**
 * One page of the customer's history, newest page first and oldest first within the page.
 * One query: the page, the change cursor (max change_seq, for live catch-up) and the cursor's anchor
 * row together. With a cursor and no anchor (forged, another customer's, another filter's) no row
 * comes back at all, which is how a bad cursor is told from the start of history.
 */
export async function timelinePage(
  deps: Deps,
  actor: Actor,
  opts: { customerId: string; before?: string | undefined; limit: number; filter?: TimelineFilter },
): Promise<TimelinePage> {
  assertCan(actor, "conversation.read");
  const filter = opts.filter ?? NO_FILTER;
  const anchorId = opts.before ? decodeCursor(opts.before, filter) : null;
  const params: unknown[] = [opts.customerId, opts.limit + 1];
  const onPage = filterSql("m", filter, params.length + 1);
  params.push(...onPage.params);
  let anchorJoin = "";
  let older = "";
  if (anchorId) {
    params.push(anchorId);
    const onAnchor = filterSql("a", filter, params.length + 1);
    params.push(...onAnchor.params);
    anchorJoin = `JOIN messages a ON a.id = $${params.length - onAnchor.params.length} AND a.customer_id = $1${onAnchor.sql}`;
    older = " AND (m.created_at, m.id) < (a.created_at, a.id)";
  }
  const { rows } = await deps.pool.query<PageRow>(
    `SELECT s.change_cursor, p.*
       FROM (SELECT max(change_seq)::text AS change_cursor FROM messages WHERE customer_id = $1) s
       ${anchorJoin}
       LEFT JOIN LATERAL (
         SELECT ${MESSAGE_COLUMNS} FROM messages m LEFT JOIN agents au ON au.id = m.author_agent_id
          WHERE m.customer_id = $1${onPage.sql}${older}
          ORDER BY m.created_at DESC, m.id DESC LIMIT $2
       ) p ON true`,
    params,
  );
  if (rows.length === 0) throw new AppError("VALIDATION", "This timeline cursor names no message of this customer and filter");
  const found = rows.filter((r): r is PageRow & MessageRow => r.id !== null);
  const hasOlder = found.length > opts.limit;
  const page = found.slice(0, opts.limit);
  const oldest = page[page.length - 1];
  return {
    messages: page.reverse().map(messageView),
    olderCursor: hasOlder && oldest ? encodeCursor(oldest.id, filter) : null,
    changeCursor: rows[0]!.change_cursor ?? "0",
  };
}

// A change_seq is taken when a row is written but becomes visible at commit, so a lower number can
// appear after a higher one was read. Re-reading this many numbers behind the cursor covers
// transactions still in flight; clients merge by id and changeSeq, so a repeat is harmless.
const IN_FLIGHT_WINDOW = 1000n;
/**
 * New rows per answer. The window alone can hold up to IN_FLIGHT_WINDOW rows (seqs are unique), so the
 * limit adds that much: otherwise a customer with a thousand rows in the window got only the repeats,
 * and the cursor never moved.
 */
const CHANGES_PER_ANSWER = 1000;

/** What changed since a change cursor (new messages and new versions of old ones), within the filter. */
export async function timelineChanges(
  deps: Deps,
  actor: Actor,
  opts: { customerId: string; since: string; filter?: TimelineFilter },
): Promise<TimelineChanges> {
  assertCan(actor, "conversation.read");
  const filter = opts.filter ?? NO_FILTER;
  const since = BigInt(opts.since) - IN_FLIGHT_WINDOW;
  const onChange = filterSql("m", filter, 3);
  const { rows } = await deps.pool.query<MessageRow>(
    `SELECT ${MESSAGE_COLUMNS} FROM messages m LEFT JOIN agents au ON au.id = m.author_agent_id
      WHERE m.customer_id = $1 AND m.change_seq > $2${onChange.sql} ORDER BY m.change_seq LIMIT ${CHANGES_PER_ANSWER + Number(IN_FLIGHT_WINDOW)}`,
    [opts.customerId, (since < 0n ? 0n : since).toString(), ...onChange.params],
  );
  const last = rows[rows.length - 1];
  const cursor = last && BigInt(last.change_seq) > BigInt(opts.since) ? last.change_seq : opts.since;
  return { messages: rows.map(messageView), changeCursor: String(cursor) };
}
