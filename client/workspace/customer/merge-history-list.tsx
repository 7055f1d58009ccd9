import type { MergeRecord } from "../../../shared/merge.ts";
import { formatFullTime } from "../common/format.ts";

export type Props = { customerId: string; merges: MergeRecord[]; busyId: string | null; onUndo: (mergeId: string) => void };

const nameOf = (c: { displayName: string | null }) => c.displayName ?? "Unnamed customer";

/** Every merge this customer took part in, newest first, with Undo where it is still possible. */
export function MergeHistoryList({ customerId, merges, busyId, onUndo }: Props) {
  if (merges.length === 0) return null;
  return (
    <ul className="customer-panel__list" data-testid="merge-history">
      {merges.map((m) => (
        <li key={m.id} className="merge-section__item" data-merge-id={m.id}>
          <span>
            {m.source.id === customerId ? `Merged into ${nameOf(m.target)}` : `${nameOf(m.source)} merged in`}
            <span className="customer-panel__muted"> · {formatFullTime(m.mergedAt)}{m.mergedBy && ` by ${m.mergedBy.name}`}</span>
          </span>
          {m.undoneAt ? (
            <span className="customer-panel__muted"> · undone{m.undoneBy && ` by ${m.undoneBy.name}`}</span>
          ) : m.undo.possible ? (
            <button className="button" type="button" disabled={busyId !== null} onClick={() => onUndo(m.id)} data-testid="merge-undo">
              Undo
            </button>
          ) : (
            <span className="customer-panel__muted"> · a later merge must be undone first</span>
          )}
          {!m.undoneAt && m.undo.conversationsSinceMerge > 0 && (
            <span className="customer-panel__muted"> Undo also takes back {m.undo.conversationsSinceMerge} conversation(s) begun since from the moved addresses.</span>
          )}
        </li>
      ))}
    </ul>
  );
}
