import type { SearchResult } from "../../../shared/search.ts";
import { ChannelBadge } from "../common/channel-badge.tsx";
import { formatTime, tierLabel } from "../common/format.ts";

export type Props = {
  result: SearchResult;
  id: string;
  active: boolean;
  /** The words typed, to mark in a message excerpt. */
  query: string;
  onOpen: (result: SearchResult) => void;
  onHover: () => void;
};

const matchedLabel: Record<SearchResult["matchedOn"], string> = { name: "Name", phone: "Phone", email: "Email", message: "Message" };

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** The excerpt with each typed word marked (plain text in, React text nodes out: never HTML). */
function Marked({ text, query }: { text: string; query: string }) {
  const words = (query.toLowerCase().match(/[\p{L}\p{N}\p{M}]+/gu) ?? []).filter((w) => w.length >= 2);
  if (words.length === 0) return <>{text}</>;
  const parts = text.split(new RegExp(`(${words.map(escapeRegExp).join("|")})`, "giu"));
  return <>{parts.map((part, i) => (i % 2 === 1 ? <mark key={i}>{part}</mark> : part))}</>;
}

export function SearchResultItem({ result, id, active, query, onOpen, onHover }: Props) {
  const { customer } = result;
  const openable = result.latestConversationId !== null;
  return (
    <li
      id={id}
      role="option"
      aria-selected={active}
      aria-disabled={!openable}
      className={`search-result${active ? " search-result--active" : ""}${openable ? "" : " search-result--no-conversation"}`}
      data-testid="search-result"
      data-customer-id={customer.id}
      onMouseDown={(e) => e.preventDefault()}
      onClick={() => onOpen(result)}
      onMouseEnter={onHover}
    >
      <div className="search-result__top">
        <span className="search-result__name">{customer.displayName ?? "Unnamed customer"}</span>
        {customer.tier !== "standard" ? <span className={`search-result__tier search-result__tier--${customer.tier}`}>{tierLabel[customer.tier]}</span> : null}
        <span className="search-result__matched">{matchedLabel[result.matchedOn]}</span>
      </div>
      {result.bestAddress ? <div className="search-result__address">{result.bestAddress}</div> : null}
      {result.snippet ? (
        <div className="search-result__snippet" data-testid="search-result-snippet">
          <Marked text={result.snippet} query={query} />
        </div>
      ) : null}
      <div className="search-result__last">
        {result.latestConversationChannel ? <ChannelBadge channel={result.latestConversationChannel} /> : null}
        <span>{result.lastContactAt ? `Last contact ${formatTime(result.lastContactAt)}` : "No conversations yet"}</span>
      </div>
    </li>
  );
}
