import { useState } from "react";
import type { ConversationView } from "../../../shared/api.ts";
import type { AgentRole } from "../../../shared/domain.ts";
import { api, errorMessage } from "../../lib/api.ts";
import { formatTime } from "../common/format.ts";
import { fromLocalInput, quickTimes, toLocalInput } from "../common/quick-times.ts";
import "../work-list/follow-ups.css";

export type Props = {
  conversation: ConversationView;
  agent: { id: string; role: AgentRole };
  /** The conversation as stored after snoozing or waking it. */
  onChanged?: (conversation: ConversationView) => void;
};

const SNOOZABLE = new Set(["assigned", "pending_customer"]);
const PICK = "pick";

/** Snooze until a quick pick or a time of one's own; while snoozed, when it wakes and "Wake now". */
export function SnoozeMenu({ conversation, agent, onChanged }: Props) {
  const [picking, setPicking] = useState(false);
  const [at, setAt] = useState(() => toLocalInput(new Date(Date.now() + 3_600_000)));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  // The role table: its agent, or a supervisor or admin.
  const mayAct = agent.role !== "agent" || conversation.assignedAgentId === agent.id;
  const snoozed = conversation.status === "snoozed";
  if (!mayAct || (!snoozed && !SNOOZABLE.has(conversation.status))) return null;

  async function run(fn: () => Promise<{ conversation: ConversationView }>) {
    setBusy(true);
    setError(null);
    try {
      const { conversation: changed } = await fn();
      setPicking(false);
      onChanged?.(changed);
    } catch (failure) {
      setError(errorMessage(failure));
    } finally {
      setBusy(false);
    }
  }
  const snoozeUntil = (until: Date | null) => (until ? run(() => api.snooze(conversation.id, until.toISOString())) : setError("Pick a date and time."));

  return (
    <span className="snooze-menu" data-testid="snooze-menu">
      {snoozed ? (
        <>
          {conversation.snoozedUntil && <span className="snooze-menu__until">Snoozed until {formatTime(conversation.snoozedUntil)}</span>}
          <button className="button" type="button" disabled={busy} onClick={() => void run(() => api.unsnooze(conversation.id))} data-testid="unsnooze-button">
            Wake now
          </button>
        </>
      ) : (
        <select
          className="presence__select"
          aria-label="Snooze"
          value=""
          disabled={busy}
          data-testid="snooze-select"
          onChange={(e) => {
            const key = e.target.value;
            if (key === PICK) setPicking(true);
            else if (key) void snoozeUntil(quickTimes().find((q) => q.key === key)?.at ?? null);
          }}
        >
          <option value="">{busy ? "Snoozing…" : "Snooze…"}</option>
          {quickTimes().map((q) => (
            <option key={q.key} value={q.key}>
              {q.label}
            </option>
          ))}
          <option value={PICK}>Pick a time…</option>
        </select>
      )}
      {picking && !snoozed && (
        <>
          <input className="input" type="datetime-local" step={1} value={at} onChange={(e) => setAt(e.target.value)} aria-label="Snooze until" data-testid="snooze-at" />
          <button className="button" type="button" disabled={busy} onClick={() => void snoozeUntil(fromLocalInput(at))} data-testid="snooze-submit">
            Snooze
          </button>
        </>
      )}
      {error && (
        <span className="inline-error" role="alert">
          {error}
        </span>
      )}
    </span>
  );
}
