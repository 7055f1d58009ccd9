// Who may do what (shared/DESIGN.md "Who may do what"): the one table, read by the domain functions.
// Routes do not decide: every domain function that changes something asks assertCan first.
import type { AgentView } from "../../../shared/api.ts";
import type { AgentRole } from "../../../shared/domain.ts";
import { AppError } from "../../errors.ts";

/** The signed-in agent on whose behalf a domain function acts. */
export type Actor = Pick<AgentView, "id" | "role" | "name">;

/** "yes": allowed; "no": refused; "assigned": allowed to the conversation's assigned agent only. */
type Grant = "yes" | "no" | "assigned";

export const PERMISSIONS = {
  /** Read any customer, conversation, timeline; watch a customer live (no department an island). */
  "conversation.read": { agent: "yes", supervisor: "yes", admin: "yes" },
  /** Find any customer by name, phone, email or a word from their messages and notes. */
  "customers.search": { agent: "yes", supervisor: "yes", admin: "yes" },
  /** Accept or reject an offer made to me (the offer's own agent is checked by the offer lookup). */
  "offer.answer": { agent: "yes", supervisor: "yes", admin: "yes" },
  /** Reply, resolve (end a chat), snooze, transfer, control a call, wrap up. */
  "conversation.act": { agent: "assigned", supervisor: "yes", admin: "yes" },
  /** Internal notes on any conversation (never sent to the customer), mentioning colleagues. */
  "note.write": { agent: "yes", supervisor: "yes", admin: "yes" },
  /** Names of the active agents, to mention one in a note. */
  "agent_directory.read": { agent: "yes", supervisor: "yes", admin: "yes" },
  /** Call a customer (the caller is assigned the new call). */
  "customer.call": { agent: "yes", supervisor: "yes", admin: "yes" },
  /** One's own presence and forward phone (confirmed by a code sent to it). */
  "self.manage": { agent: "yes", supervisor: "yes", admin: "yes" },
  /** The agents a call can be transferred to. */
  "transfer_targets.read": { agent: "yes", supervisor: "yes", admin: "yes" },
  /** Agents, queues, widgets and channel settings: supervisors read, admins change. */
  "agents.read": { agent: "no", supervisor: "yes", admin: "yes" },
  "agents.manage": { agent: "no", supervisor: "no", admin: "yes" },
  /** Agents read the queues too (names, hours), to send a call to another queue. */
  "queues.read": { agent: "yes", supervisor: "yes", admin: "yes" },
  "queues.manage": { agent: "no", supervisor: "no", admin: "yes" },
  /** Who serves a queue and its service targets (and the tier thresholds): supervisors read, admins change. */
  "queue_setup.read": { agent: "no", supervisor: "yes", admin: "yes" },
  /** The Twilio numbers (entry points) and the queues they feed. */
  "numbers.read": { agent: "no", supervisor: "yes", admin: "yes" },
  "numbers.manage": { agent: "no", supervisor: "no", admin: "yes" },
  /** Edit a customer's record (their tier): everyone, audited. */
  "customer.edit": { agent: "yes", supervisor: "yes", admin: "yes" },
  /** Merge two customers and undo a merge: everyone, audited (previewed first; never done silently). */
  "customers.merge": { agent: "yes", supervisor: "yes", admin: "yes" },
  /** The reasons agents may give for being away (break, lunch, …): everyone reads, admins change. */
  "away_reasons.read": { agent: "yes", supervisor: "yes", admin: "yes" },
  "away_reasons.manage": { agent: "no", supervisor: "no", admin: "yes" },
  /** The live board's alerts (service-level warnings and breaches), reports: supervisors and admins. */
  "alerts.read": { agent: "no", supervisor: "yes", admin: "yes" },
  "widgets.read": { agent: "no", supervisor: "yes", admin: "yes" },
  /** Reports and their CSV; the metric settings they count by: supervisors read, admins change. */
  "reports.read": { agent: "no", supervisor: "yes", admin: "yes" },
  "metric_settings.read": { agent: "no", supervisor: "yes", admin: "yes" },
  "metric_settings.manage": { agent: "no", supervisor: "no", admin: "yes" },
  /** Mailboxes (IMAP in, SMTP out) and their health: supervisors read, admins change. */
  "mailboxes.read": { agent: "no", supervisor: "yes", admin: "yes" },
  "mailboxes.manage": { agent: "no", supervisor: "no", admin: "yes" },
  /** Start a new email thread with a customer (the sender is assigned it). */
  "customer.email": { agent: "yes", supervisor: "yes", admin: "yes" },
  "widgets.manage": { agent: "no", supervisor: "no", admin: "yes" },
  /** Canned replies: every agent uses them, supervisors and admins keep them. */
  "canned_replies.read": { agent: "yes", supervisor: "yes", admin: "yes" },
  "canned_replies.manage": { agent: "no", supervisor: "yes", admin: "yes" },
  /** A customer's whole record as one download, and erasing it: admins only (audited). */
  "customers.export": { agent: "no", supervisor: "no", admin: "yes" },
  "customers.erase": { agent: "no", supervisor: "no", admin: "yes" },
  /** The audit log (who changed what): admins only. */
  "audit.read": { agent: "no", supervisor: "no", admin: "yes" },
  /** Listen to, whisper on or barge into a call in progress (a conference participant), and stop. */
  "calls.monitor": { agent: "no", supervisor: "yes", admin: "yes" },
  /** Set a reminder for oneself, list, finish and cancel one's own. */
  "reminder.write": { agent: "yes", supervisor: "yes", admin: "yes" },
  /** Set a reminder for another agent, finish or cancel theirs. */
  "reminder.others": { agent: "no", supervisor: "yes", admin: "yes" },
  /** The live board (queues, agents, alerts) and its limits: supervisors watch, admins set the limits. */
  "board.read": { agent: "no", supervisor: "yes", admin: "yes" },
  "board.manage": { agent: "no", supervisor: "no", admin: "yes" },
  /** From the live board: take or reassign any conversation, move it to a queue. */
  "conversations.supervise": { agent: "no", supervisor: "yes", admin: "yes" },
  /** From the live board: change another agent's state, sign them out. */
  "agents.supervise": { agent: "no", supervisor: "yes", admin: "yes" },
} as const satisfies Record<string, Record<AgentRole, Grant>>;

export type Action = keyof typeof PERMISSIONS;

/** What "assigned" is checked against: the conversation's agent (null when nobody has it). */
export interface OwnedResource {
  assignedAgentId: string | null;
  assignedAgentName: string | null;
}

export function can(actor: Actor, action: Action, resource?: OwnedResource): boolean {
  const grant: Grant = PERMISSIONS[action][actor.role];
  if (grant === "yes") return true;
  if (grant === "no") return false;
  return !!resource && resource.assignedAgentId === actor.id;
}

/**
 * Throws FORBIDDEN when the role may not act at all, or NOT_ASSIGNED when only the assigned agent
 * (or a supervisor) may: its details name who owns the conversation, so the workspace can say so.
 */
export function assertCan(actor: Actor, action: Action, resource?: OwnedResource): void {
  if (can(actor, action, resource)) return;
  if (PERMISSIONS[action][actor.role] === "assigned") {
    const owner = resource?.assignedAgentName;
    throw new AppError(
      "NOT_ASSIGNED",
      owner ? `${owner} is handling this conversation: only they or a supervisor can change it` : "Nobody is assigned to this conversation: accept it first, or ask a supervisor",
      { assignedAgentId: resource?.assignedAgentId ?? null, assignedAgentName: owner ?? null },
    );
  }
  throw new AppError("FORBIDDEN", `Your role (${actor.role}) may not do this`, { action });
}
