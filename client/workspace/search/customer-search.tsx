import { useEffect, useId, useState, type KeyboardEvent } from "react";
import type { SearchResult } from "../../../shared/search.ts";
import { SearchResultItem } from "./search-result-item.tsx";
import { useCustomerSearch } from "./use-customer-search.ts";
import "./customer-search.css";

export type Props = {
  /** Opens the customer's latest conversation (its timeline shows every channel). */
  onOpenConversation: (conversationId: string) => void;
};

/** "Find anyone": a box in the header that searches customers as the agent types. */
export function CustomerSearch({ onOpenConversation }: Props) {
  const [input, setInput] = useState("");
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(0);
  // Enter pressed before the answer for what is typed came back: open the first result once it does.
  const [enterPending, setEnterPending] = useState(false);
  const search = useCustomerSearch(input);
  const listId = useId();
  const results = search.results;
  const showList = open && search.status !== "idle";
  const activeIndex = Math.min(active, Math.max(results.length - 1, 0));

  function choose(result: SearchResult | undefined) {
    if (!result?.latestConversationId) return;
    onOpenConversation(result.latestConversationId);
    setOpen(false);
    setInput("");
  }

  const current = search.status === "done" && search.query === input.trim();
  useEffect(() => {
    if (!enterPending || !current) return;
    setEnterPending(false);
    choose(results[activeIndex]);
  });

  function onKeyDown(e: KeyboardEvent<HTMLInputElement>) {
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      e.preventDefault();
      setOpen(true);
      if (results.length === 0) return;
      const step = e.key === "ArrowDown" ? 1 : -1;
      setActive((activeIndex + step + results.length) % results.length);
    } else if (e.key === "Enter") {
      e.preventDefault();
      // Results of an earlier query may still be shown: never open someone the agent has typed past.
      if (current) choose(results[activeIndex]);
      else if (input.trim()) setEnterPending(true);
    } else if (e.key === "Escape") {
      if (open && input) setOpen(false);
      else setInput("");
    }
  }

  const status =
    search.status === "idle" ? "" :
    search.status === "error" ? search.error :
    search.status === "searching" && results.length === 0 ? "Searching…" :
    (results.length === 0 ? `Nobody found for “${search.query}”` : `${results.length} found`) +
      (search.tooCommon.length ? `. ${search.tooCommon.map((w) => `“${w}”`).join(", ")} is in too many messages to search by alone: add another word` : "");

  return (
    <div className="customer-search" role="search">
      <input
        className="customer-search__input"
        type="search"
        aria-label="Find a customer"
        placeholder="Find a customer: name, phone, email, words…"
        role="combobox"
        aria-expanded={showList}
        aria-controls={listId}
        aria-autocomplete="list"
        aria-activedescendant={showList && results.length ? `${listId}-${activeIndex}` : undefined}
        autoComplete="off"
        spellCheck={false}
        maxLength={100}
        value={input}
        data-testid="customer-search-input"
        onChange={(e) => {
          setInput(e.target.value);
          setEnterPending(false);
          setActive(0);
          setOpen(true);
        }}
        onFocus={() => setOpen(true)}
        onBlur={() => setOpen(false)}
        onKeyDown={onKeyDown}
      />
      {showList ? (
        <div className="customer-search__panel" data-testid="customer-search-results">
          <ul id={listId} role="listbox" aria-label="Customers found" className="customer-search__list">
            {results.map((result, i) => (
              <SearchResultItem
                key={result.customer.id}
                id={`${listId}-${i}`}
                result={result}
                active={i === activeIndex}
                query={search.query}
                onOpen={choose}
                onHover={() => setActive(i)}
              />
            ))}
          </ul>
          <div className={`customer-search__status${search.status === "error" ? " customer-search__status--error" : ""}`} role="status" data-testid="customer-search-status">
            {status}
          </div>
        </div>
      ) : null}
    </div>
  );
}
