import { TIMELINE_CHIPS, filterKey, type TimelineFilter } from "../../lib/timeline-filter.ts";
import "./timeline-chips.css";

export type Props = {
  filter: TimelineFilter;
  onChange: (filter: TimelineFilter) => void;
};

/** Which of the customer's items the timeline shows: everything, one channel, or the internal notes. */
export function TimelineChips({ filter, onChange }: Props) {
  const current = filterKey(filter);
  return (
    <div className="timeline-chips" role="group" aria-label="Show on the timeline" data-testid="timeline-chips">
      {TIMELINE_CHIPS.map((chip) => (
        <button
          key={chip.id}
          type="button"
          className="timeline-chips__chip"
          aria-pressed={filterKey(chip.filter) === current}
          onClick={() => onChange(chip.filter)}
          data-testid={`timeline-chip-${chip.id}`}
        >
          {chip.label}
        </button>
      ))}
    </div>
  );
}
