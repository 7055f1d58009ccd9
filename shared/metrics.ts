// The metrics' one set of definitions: the live board and the reports count the same way and show the
// same words beside each figure (DESIGN.md "Metrics"). How abandons and callbacks count is a setting.
import { z } from "zod";

export const AbandonsWithinTarget = z.enum(["neither", "against", "for"]);
export type AbandonsWithinTarget = z.infer<typeof AbandonsWithinTarget>;
export const CallbackCounting = z.enum(["excluded", "included"]);
export type CallbackCounting = z.infer<typeof CallbackCounting>;

export const MetricSettings = z.object({
  shortAbandonSeconds: z.number().int().min(0).max(600),
  abandonsWithinTarget: AbandonsWithinTarget,
  callbacks: CallbackCounting,
});
export type MetricSettings = z.infer<typeof MetricSettings>;

/** PUT /api/metric-settings (admin): any of the three. */
export const MetricSettingsInput = MetricSettings.partial().strict();

export type MetricKey =
  | "offered" | "answered" | "abandoned" | "shortAbandoned" | "serviceLevel" | "asa" | "longestWait"
  | "frt" | "aht" | "abandonRate" | "occupancy" | "reopenRate" | "transfers" | "waiting" | "inProgress" | "dueSoon" | "breached";

const ABANDONS: Record<AbandonsWithinTarget, string> = {
  neither: "abandons within the target count as neither answered nor offered",
  against: "abandons within the target count against it",
  for: "abandons within the target count for it",
};

/** The definition written beside each figure, with the settings in force. */
export function metricDefinitions(s: MetricSettings): Record<MetricKey, string> {
  const short = `short abandons (left within ${s.shortAbandonSeconds} s) are left out`;
  const callbacks = s.callbacks === "excluded"
    ? "waits where the customer left a voicemail or asked for a callback are left out"
    : "waits with a voicemail or callback request count like any other";
  return {
    offered: "conversations that joined the queue in the period (a move to another queue counts in both)",
    answered: "waits an agent accepted in the period",
    abandoned: `customers who left while waiting, in the period; ${short}; voicemails and callbacks are not abandons`,
    shortAbandoned: `customers who left within ${s.shortAbandonSeconds} s of joining the queue`,
    serviceLevel: `answered within the tier's target ÷ (answered + abandoned), over waits that ended in the period; ${short}; ${ABANDONS[s.abandonsWithinTarget]}; ${callbacks}`,
    asa: "average speed of answer: mean time waiting of the answered, queue time only (from joining the line to an agent's accept)",
    longestWait: "the longest time a conversation waiting now has waited",
    frt: "first response time: the conversation's first inbound message → the first agent reply (system and automatic messages not counted)",
    aht: "average handle time: talk + hold + wrap-up per handled conversation; for text channels, assigned → resolved; a transferred conversation counts once for each agent who handled it",
    abandonRate: `abandoned ÷ offered; ${short}; callbacks and voicemails are not abandons`,
    occupancy: "handling time ÷ (handling time + available idle time), per agent",
    reopenRate: "waits that reopened a resolved conversation ÷ offered",
    transfers: "handled conversations passed to another agent, plus waits moved to another queue",
    waiting: "conversations waiting for an agent now (queued or offered)",
    inProgress: "conversations an agent is handling now",
    dueSoon: "waiting now and past 80% of the target (the warning point), not yet breached",
    breached: "waiting now past the due time (the target for the customer's tier)",
  };
}
