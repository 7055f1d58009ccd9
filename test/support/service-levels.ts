// Service-level test helpers over one test app: targets, waits, alert rows, sockets that record alerts.
import type { Socket } from "socket.io-client";
import { expect } from "vitest";
import type { CustomerTier } from "../../shared/domain.ts";
import type { AgentClientToServer, AgentServerToClient } from "../../shared/events.ts";
import type { AlertView } from "../../shared/service-levels.ts";
import { createCustomer } from "./factories.ts";
import type { TestApp } from "./test-app.ts";

export type AgentSocket = Socket<AgentServerToClient, AgentClientToServer>;

export interface AlertRow {
  kind: string;
  tier: CustomerTier;
  queue_id: string;
  channel: string;
  waiting_since: Date;
  due_at: Date;
  target_seconds: number;
  late_ms: number;
  raised_at: Date;
}

let phoneSeq = 1000;
const nextPhone = () => `+1303555${String(phoneSeq++).padStart(4, "0")}`;

export function serviceLevelHelpers(t: TestApp) {
  return {
    async setTarget(queueId: string, tier: CustomerTier, seconds: number) {
      await t.pool.query(
        `INSERT INTO service_targets (queue_id, tier, channel, seconds) VALUES ($1, $2, 'sms', $3)
         ON CONFLICT (queue_id, tier, channel) DO UPDATE SET seconds = EXCLUDED.seconds`,
        [queueId, tier, seconds],
      );
    },
    /** A customer of that tier texts in: the conversation waits in the default queue. */
    async textIn(tier: CustomerTier): Promise<{ id: string; customerId: string; waitingSince: Date; dueAt: Date }> {
      const phone = nextPhone();
      const customer = await createCustomer(t.pool, { phone, tier, displayName: `Casey ${tier}` });
      const { messageSid, status } = await t.sendSms({ From: phone, Body: "Anyone there?" });
      expect(status).toBe(200);
      const { rows } = await t.pool.query<{ id: string; waiting_since: Date; due_at: Date }>(
        `SELECT cv.id, cv.waiting_since, cv.due_at FROM messages m JOIN conversations cv ON cv.id = m.conversation_id WHERE m.external_id = $1`,
        [messageSid],
      );
      return { id: rows[0]!.id, customerId: customer.id, waitingSince: rows[0]!.waiting_since, dueAt: rows[0]!.due_at };
    },
    /** A conversation that has waited `secondsAgo` already, written straight to the table: no job was ever made for it. */
    async waitedSince(queueId: string, secondsAgo: number, opts: { tier?: CustomerTier; status?: "queued" | "offered" } = {}) {
      const phone = nextPhone();
      const customer = await createCustomer(t.pool, { phone, tier: opts.tier ?? "standard" });
      const { rows } = await t.pool.query<{ id: string; waiting_since: Date }>(
        `INSERT INTO conversations (customer_id, channel, status, queue_id, customer_address, waiting_since)
         VALUES ($1, 'sms', $2, $3, $4, now() - make_interval(secs => $5)) RETURNING id, waiting_since`,
        [customer.id, opts.status ?? "queued", queueId, phone, secondsAgo],
      );
      return { id: rows[0]!.id, waitingSince: rows[0]!.waiting_since };
    },
    async alertsOf(conversationId: string): Promise<AlertRow[]> {
      const { rows } = await t.pool.query<AlertRow>(
        `SELECT kind, tier, queue_id, channel, waiting_since, due_at, target_seconds, late_ms, raised_at
           FROM service_level_alerts WHERE conversation_id = $1 ORDER BY kind DESC`,
        [conversationId],
      );
      return rows;
    },
    /** A signed-in socket and every service_level:alert it receives. */
    async alertSocket(email: string): Promise<{ socket: AgentSocket; alerts: AlertView[]; cookie: string }> {
      const cookie = await t.login(email);
      const socket = await t.connectAgent(cookie);
      const alerts: AlertView[] = [];
      socket.on("service_level:alert", (a) => alerts.push(a));
      return { socket, alerts, cookie };
    },
  };
}

/** The kinds of the alerts of one conversation, in the order they came. */
export const kindsOf = (alerts: AlertView[], conversationId: string) => alerts.filter((a) => a.conversationId === conversationId).map((a) => a.kind);
/** The ids of the delayed service-level checks in Redis. */
export const delayedCheckIds = async (t: TestApp) => (await t.sb.queues.serviceLevels.getJobs(["delayed"])).map((j) => j.id!);
