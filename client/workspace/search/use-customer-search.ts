// The search box's live results: asked ~150 ms after the agent stops typing, the previous request aborted,
// and an answer that arrives after a newer one was asked for is dropped (the list never jumps back).
import { useEffect, useRef, useState } from "react";
import type { SearchResult } from "../../../shared/search.ts";
import { SEARCH_QUERY_MAX } from "../../../shared/search.ts";
import { api, errorMessage } from "../../lib/api.ts";

export const SEARCH_DEBOUNCE_MS = 150;

export type CustomerSearchState =
  | { status: "idle"; results: [] }
  | { status: "searching" | "done"; query: string; results: SearchResult[]; tooCommon: string[] }
  | { status: "error"; query: string; results: SearchResult[]; tooCommon: string[]; error: string };

export function useCustomerSearch(input: string): CustomerSearchState {
  const [state, setState] = useState<CustomerSearchState>({ status: "idle", results: [] });
  const latest = useRef(0);
  const query = input.trim().slice(0, SEARCH_QUERY_MAX);

  useEffect(() => {
    const ask = ++latest.current;
    if (!query) {
      setState({ status: "idle", results: [] });
      return;
    }
    // Keep the last results on screen while the next are asked for: less flicker as the agent types.
    setState((s) => ({ status: "searching", query, results: s.results, tooCommon: [] }));
    const controller = new AbortController();
    const timer = setTimeout(() => {
      api.searchCustomers(query, controller.signal).then(
        (answer) => {
          if (ask === latest.current) setState({ status: "done", query, results: answer.results, tooCommon: answer.tooCommon });
        },
        (failure: unknown) => {
          if (controller.signal.aborted || ask !== latest.current) return;
          setState((s) => ({ status: "error", query, results: s.results, tooCommon: [], error: errorMessage(failure) }));
        },
      );
    }, SEARCH_DEBOUNCE_MS);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
  }, [query]);

  return state;
}
