// Find anyone (issue 11, item 4): customers by name, phone in any format, email, or a word from their
// messages and notes, ranked exact phone or email first, then names, then partial addresses, then messages.
// Hand SQL kept on a hot path: bench search (bench/customer-search.ts): the agent hits it on every keystroke.
import type pg from "pg";
import { formatPhone, toE164 } from "../../../shared/phone.ts";
import { SEARCH_LIMIT_DEFAULT, type SearchMatch, type SearchResponse, type SearchResult } from "../../../shared/search.ts";
import type { Channel, CustomerTier } from "../../../shared/domain.ts";
import { assertCan, type Actor } from "../auth/permissions.ts";

export interface SearchDeps {
  pool: pg.Pool;
  /** Phones typed without a country code are read as this country's (SMS_DEFAULT_COUNTRY). */
  defaultCountry: string;
}

/** Message hits are taken from the newest this many matching messages. */
export const MESSAGE_HITS_SCANNED = 400;
/**
 * A word in 10,000 messages, or a name prefix a thousand customers share, would have every match read to
 * rank them: each index scan stops at about this many entries (a sample for such queries; exact for narrower ones).
 */
export const INDEX_ENTRIES_SCANNED = 500;
/** Fewer digits than this are not searched as part of a phone number (too many numbers share them). */
const PHONE_DIGITS_MIN = 4;
const SNIPPET_BEFORE = 50;
const SNIPPET_LENGTH = 160;

const WHOLE_NAME_CHARACTER = /^[\p{Script=Han}\p{Script=Hangul}\p{Script=Hiragana}\p{Script=Katakana}]$/u;
// Typing a phone: digits and the punctuation people write numbers with, nothing else.
const PHONE_LIKE = /^[+\d\s().\-/]+$/;

const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

/** The words of the query as a tsquery ("blue kett" → 'blue' & 'kett':*): the last word may be half typed. */
export function messageQuery(q: string): { tsquery: string; word: string; lexemes: { word: string; prefix: boolean }[] } | null {
  const words = q.toLowerCase().match(/[\p{L}\p{N}\p{M}]+/gu) ?? [];
  if (words.length === 0) return null;
  const last = words[words.length - 1]!;
  // A one- or two-letter prefix matches most messages: wait for the agent to type on.
  const lexemes = [...words.slice(0, -1).filter((w) => w.length >= 2).map((w) => ({ word: w, prefix: false })), ...(last.length >= 3 ? [{ word: last, prefix: true }] : [])];
  if (lexemes.length === 0) return null;
  const word = [...words].sort((a, b) => b.length - a.length)[0]!;
  return { tsquery: lexemes.map((l) => `'${l.word}'${l.prefix ? ":*" : ""}`).join(" & "), word, lexemes };
}

/**
 * A word in more messages than this is not searched alone ("order" in half of them): reading its index
 * entries takes longer than a keystroke allows. With another, rarer word it is.
 */
export const COMMON_WORD_MESSAGES = 20_000;

type Queryable = Pick<pg.PoolClient, "query">;

/**
 * The query's words found in more than COMMON_WORD_MESSAGES messages (a half-typed word: any word it starts),
 * by the planner's statistics of the full-text index (ANALYZE keeps them; no text is copied for this).
 */
export async function commonWords(db: Queryable, q: string): Promise<string[]> {
  const words = messageQuery(q);
  if (!words) return [];
  const { rows } = await db.query<{ word: string }>(
    `SELECT DISTINCT q.word FROM unnest($1::text[], $2::bool[]) AS q(word, prefix)
       JOIN pg_stats s ON s.schemaname = 'public' AND s.tablename = 'messages_body_fts_idx'
       JOIN pg_class t ON t.oid = 'messages'::regclass
      CROSS JOIN LATERAL unnest(s.most_common_elems::text::text[], s.most_common_elem_freqs) AS e(elem, share)
      WHERE (e.elem = q.word OR (q.prefix AND left(e.elem, length(q.word)) = q.word)) AND e.share * t.reltuples > $3`,
    [words.lexemes.map((l) => l.word), words.lexemes.map((l) => l.prefix), COMMON_WORD_MESSAGES],
  );
  return rows.map((r) => r.word);
}

export interface SearchStatement {
  text: string;
  values: unknown[];
}

/**
 * The one statement a search runs: only the branches that the query can match are included, so the
 * planner sees plain conditions (each served by an index of migration 0017).
 */
export function searchStatement(rawQuery: string, opts: { limit: number; defaultCountry: string; commonWords?: string[] }): SearchStatement {
  const q = rawQuery.trim();
  const lower = q.toLowerCase();
  const values: unknown[] = [];
  const param = (v: unknown) => (values.push(v), `$${values.length}`);
  const branches: string[] = [];
  const phoneLike = PHONE_LIKE.test(q);
  const digits = q.replace(/\D/g, "");
  const looksLikeEmail = q.includes("@");

  // Exact identities (rank 0): the unique (kind, value) index.
  const exact: string[] = [];
  const e164 = phoneLike && digits.length >= PHONE_DIGITS_MIN ? toE164(q, opts.defaultCountry) : null;
  if (e164) exact.push(`(i.kind = 'phone' AND i.value = ${param(e164)})`);
  if (!phoneLike && !/\s/.test(q)) exact.push(`(i.kind = 'email' AND i.value = ${param(lower)})`);
  if (exact.length) {
    branches.push(`SELECT i.customer_id, 0 AS rank, i.kind::text AS matched, i.value AS address, NULL::uuid AS message_id, 0::real AS score, NULL::timestamptz AS at
                     FROM identities i WHERE ${exact.join(" OR ")}`);
  }

  // Parts of identities (rank 2): the trigram index on identities.value; shorter (closer) addresses first.
  if (phoneLike && digits.length >= PHONE_DIGITS_MIN) {
    const pattern = q.trimStart().startsWith("+") ? `+${digits}%` : `%${digits}%`;
    branches.push(`SELECT i.customer_id, 2 AS rank, 'phone' AS matched, i.value AS address, NULL::uuid AS message_id, 0::real AS score, NULL::timestamptz AS at
                     FROM identities i WHERE i.kind = 'phone' AND i.value LIKE ${param(pattern)}`);
  } else if (!phoneLike && lower.length >= 3 && !/\s/.test(q)) {
    branches.push(`SELECT i.customer_id, 2 AS rank, 'email' AS matched, i.value AS address, NULL::uuid AS message_id,
                          (-length(i.value))::real AS score, NULL::timestamptz AS at
                     FROM identities i WHERE i.kind = 'email' AND i.value LIKE ${param(`%${escapeLike(lower)}%`)}`);
  }

  // Names (rank 1): the trigram index on customer_search_fold(display_name), which drops case and accents
  // ("jose lopez" finds José López); the name's start, then a word's start, then shorter names (closer to what
  // was typed) score higher. One Latin letter
  // starts a third of all names: names are searched from two characters, or one of a script whose single
  // character is a whole name (王, 李).
  if (!phoneLike && !looksLikeEmail && (lower.length >= 2 || WHOLE_NAME_CHARACTER.test(lower))) {
    const fold = (pattern: string) => `customer_search_fold(${param(pattern)})`;
    const starts = fold(`${escapeLike(lower)}%`);
    const wordStarts = fold(`% ${escapeLike(lower)}%`);
    // Under three characters a substring has no trigram: the starts of the name and its words are searched,
    // and its end (a given name after the family name, as 山田太郎 is written, has no space before it).
    const indexed = `customer_search_fold(c.display_name)`;
    const where =
      lower.length >= 3
        ? `${indexed} LIKE ${fold(`%${escapeLike(lower)}%`)}`
        : `(${indexed} LIKE ${starts} OR ${indexed} LIKE ${wordStarts} OR ${indexed} LIKE ${fold(`%${escapeLike(lower)}`)})`;
    // The fold is computed once per candidate (OFFSET 0 keeps the planner from repeating it in each score term).
    branches.push(`SELECT n.id AS customer_id, 1 AS rank, 'name' AS matched, NULL AS address, NULL::uuid AS message_id,
                          (CASE WHEN n.name LIKE ${starts} THEN 2 WHEN n.name LIKE ${wordStarts} THEN 1 ELSE 0 END + 1.0 / (1 + length(n.name)))::real AS score,
                          NULL::timestamptz AS at
                     FROM (SELECT c.id, ${indexed} AS name FROM customers c WHERE ${where} OFFSET 0) n`);
  }

  // Words of messages and notes (rank 3): the full-text index; the newest matches first.
  const words = looksLikeEmail ? null : messageQuery(q);
  const tooCommon = words?.lexemes.every((l) => opts.commonWords?.includes(l.word)) ?? false;
  if (words && !tooCommon) {
    branches.push(`SELECT m.customer_id, 3 AS rank, 'message' AS matched, NULL AS address, m.id AS message_id, 0::real AS score, m.created_at AS at
                     FROM (SELECT customer_id, id, created_at FROM messages
                            WHERE to_tsvector('simple', body) @@ to_tsquery('simple', ${param(words.tsquery)}) AND kind <> 'event'
                            ORDER BY created_at DESC LIMIT ${MESSAGE_HITS_SCANNED}) m`);
  }

  if (branches.length === 0) return { text: "SELECT NULL LIMIT 0", values: [] };
  const word = param(words?.word ?? "");
  const limit = param(opts.limit);
  const text = `
    WITH hits AS (${branches.join("\n UNION ALL ")}),
    best AS (
      SELECT DISTINCT ON (customer_id) * FROM hits ORDER BY customer_id, rank, score DESC, at DESC NULLS LAST
    ),
    ranked AS (
      SELECT b.*, c.display_name, c.tier FROM best b JOIN customers c ON c.id = b.customer_id AND c.merged_into_id IS NULL
       ORDER BY b.rank, b.score DESC, b.at DESC NULLS LAST, b.customer_id LIMIT ${limit}
    )
    SELECT r.customer_id, r.display_name, r.tier, r.rank, r.matched, r.score,
           COALESCE(r.address, ia.value) AS address, CASE WHEN r.address IS NOT NULL THEN r.matched ELSE ia.kind::text END AS address_kind,
           CASE WHEN m.id IS NULL THEN NULL
                ELSE substr(m.body, greatest(1, strpos(lower(m.body), ${word}) - ${SNIPPET_BEFORE}), ${SNIPPET_LENGTH}) END AS snippet,
           CASE WHEN m.id IS NULL THEN false ELSE strpos(lower(m.body), ${word}) > ${SNIPPET_BEFORE + 1} END AS snippet_cut_before,
           CASE WHEN m.id IS NULL THEN false ELSE length(m.body) >= greatest(1, strpos(lower(m.body), ${word}) - ${SNIPPET_BEFORE}) + ${SNIPPET_LENGTH} END AS snippet_cut_after,
           lc.id AS conversation_id, lc.channel, lc.last_message_at
      FROM ranked r
      LEFT JOIN messages m ON m.id = r.message_id
      LEFT JOIN LATERAL (SELECT id, channel, last_message_at FROM conversations WHERE customer_id = r.customer_id ORDER BY last_message_at DESC, id LIMIT 1) lc ON true
      LEFT JOIN LATERAL (SELECT kind, value FROM identities WHERE customer_id = r.customer_id AND kind IN ('phone', 'email')
                          ORDER BY kind = 'phone' DESC, verified DESC, created_at, id LIMIT 1) ia ON r.address IS NULL
     ORDER BY r.rank, r.score DESC, r.at DESC NULLS LAST, r.customer_id`;
  return { text, values };
}

export interface SearchRow {
  customer_id: string;
  display_name: string | null;
  tier: CustomerTier;
  matched: SearchMatch;
  address: string | null;
  address_kind: string | null;
  snippet: string | null;
  snippet_cut_before: boolean;
  snippet_cut_after: boolean;
  conversation_id: string | null;
  channel: Channel | null;
  last_message_at: Date | null;
}

/** Plain text on one line, with "…" where the message goes on. */
function snippetOf(r: SearchRow): string | null {
  if (r.snippet == null) return null;
  let text = r.snippet.replace(/\s+/g, " ");
  // Cut at spaces, not inside a word, where the excerpt starts or ends within the message.
  if (r.snippet_cut_before && text.indexOf(" ") >= 0 && text.indexOf(" ") < 20) text = text.slice(text.indexOf(" ") + 1);
  if (r.snippet_cut_after && text.length - text.lastIndexOf(" ") < 20) text = text.slice(0, text.lastIndexOf(" "));
  text = text.trim();
  return `${r.snippet_cut_before ? "…" : ""}${text}${r.snippet_cut_after ? "…" : ""}`;
}

/**
 * Runs the search with its bounds set for this transaction only: GIN scans stop at INDEX_ENTRIES_SCANNED
 * (gin_fuzzy_search_limit), and no parallel workers (a keystroke's query is small; starting workers costs more).
 * tooCommon: the words left out of the message search because each is in too many messages.
 */
export async function runSearch(
  pool: pg.Pool,
  q: string,
  opts: { limit: number; defaultCountry: string },
): Promise<{ rows: SearchRow[]; tooCommon: string[] }> {
  const client = await pool.connect();
  try {
    await client.query(`BEGIN READ ONLY; SET LOCAL gin_fuzzy_search_limit = ${INDEX_ENTRIES_SCANNED}; SET LOCAL max_parallel_workers_per_gather = 0`);
    const common = await commonWords(client, q);
    const words = messageQuery(q);
    const tooCommon = words && words.lexemes.every((l) => common.includes(l.word)) ? common : [];
    const { rows } = await client.query<SearchRow>(searchStatement(q, { ...opts, commonWords: common }));
    await client.query("COMMIT");
    return { rows, tooCommon };
  } catch (err) {
    await client.query("ROLLBACK").catch(() => {});
    throw err;
  } finally {
    client.release();
  }
}

export async function searchCustomers(deps: SearchDeps, actor: Actor, opts: { q: string; limit?: number }): Promise<SearchResponse> {
  assertCan(actor, "customers.search");
  const { rows, tooCommon } = await runSearch(deps.pool, opts.q, { limit: opts.limit ?? SEARCH_LIMIT_DEFAULT, defaultCountry: deps.defaultCountry });
  const results = rows.map((r): SearchResult => ({
    customer: { id: r.customer_id, displayName: r.display_name, tier: r.tier },
    bestAddress: r.address == null ? null : r.address_kind === "phone" ? formatPhone(r.address) : r.address,
    matchedOn: r.matched,
    snippet: r.matched === "message" ? snippetOf(r) : null,
    latestConversationId: r.conversation_id,
    latestConversationChannel: r.channel,
    lastContactAt: r.last_message_at ? r.last_message_at.toISOString() : null,
  }));
  return { results, tooCommon };
}
