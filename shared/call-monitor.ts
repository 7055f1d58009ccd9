// A supervisor's listen, whisper and barge on a call in progress (the wire types).
import { z } from "zod";

/** listen: muted; whisper: only the agent hears them (coaching); barge: everyone hears them. */
export const MonitorMode = z.enum(["listen", "whisper", "barge"]);
export type MonitorMode = z.infer<typeof MonitorMode>;

/** POST /api/conversations/:id/monitor: starts monitoring, or changes the mode of one's monitoring. */
export const MonitorBody = z
  .object({
    mode: MonitorMode,
    /** Where the supervisor hears the call: their browser softphone (default) or their forward phone. */
    via: z.enum(["softphone", "phone"]).default("softphone"),
  })
  .strict();
export type MonitorBody = z.infer<typeof MonitorBody>;

export const MonitorView = z.object({
  agentId: z.string(),
  name: z.string(),
  mode: MonitorMode,
  since: z.string(),
});
export type MonitorView = z.infer<typeof MonitorView>;

/** Who monitors a call now (to supervisors; to the call's agent only when the business announces it). */
export const CallMonitoringEvent = z.object({ conversationId: z.string(), monitors: z.array(MonitorView) });
export type CallMonitoringEvent = z.infer<typeof CallMonitoringEvent>;
