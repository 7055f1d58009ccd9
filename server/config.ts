// Configuration from environment variables, validated once at start (shared/DESIGN.md, "Environment").
import { z } from "zod";
import type { Channel } from "../shared/domain.ts";
import { parseMailEnvironment, type MailEnvironment } from "./domain/mailboxes/environment-mailbox.ts";
import { secretsKey } from "./domain/mailboxes/secrets.ts";
import { parseTrustProxy, type TrustProxy } from "./http/client-address.ts";

const optionalText = z
  .string()
  .trim()
  .transform((v) => (v === "" ? undefined : v))
  .optional();

const EnvSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default("0.0.0.0"),
  PUBLIC_URL: z.string().url().optional(),
  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, "must be a postgres:// URL"),
  REDIS_URL: z.string().regex(/^rediss?:\/\//, "must be a redis:// URL").default("redis://127.0.0.1:6379"),
  SESSION_SECRET: z.string().min(32, "must be at least 32 characters"),
  // Seals mailbox passwords at rest; without it a key is derived from SESSION_SECRET.
  ENCRYPTION_KEY: optionalText.pipe(z.string().min(32, "must be at least 32 characters").optional()),
  TWILIO_ACCOUNT_SID: optionalText.pipe(z.string().regex(/^AC[0-9a-fA-F]{32}$/, "must look like AC followed by 32 hex digits").optional()),
  TWILIO_AUTH_TOKEN: optionalText,
  TWILIO_PHONE_NUMBER: optionalText.pipe(z.string().regex(/^\+[1-9]\d{6,14}$/, "must be an E.164 number such as +14155550100").optional()),
  TWILIO_API_BASE_URL: optionalText.pipe(z.string().url().optional()),
  TWILIO_TIMEOUT_SECONDS: z.coerce.number().min(1).max(120).default(15),
  TWILIO_API_KEY_SID: optionalText,
  TWILIO_API_KEY_SECRET: optionalText,
  TWILIO_TWIML_APP_SID: optionalText,
  IMAP_URL: optionalText,
  SMTP_URL: optionalText,
  MAIL_FROM: optionalText,
  EMAIL_MAX_ATTACHMENT_MB: z.coerce.number().min(0.01).max(100).default(10),
  EMAIL_MAX_ATTACHMENTS: z.coerce.number().int().min(0).max(500).default(20),
  EMAIL_MAX_TOTAL_ATTACHMENT_MB: z.coerce.number().min(0.01).max(200).default(25),
  EMAIL_MAX_MESSAGE_MB: z.coerce.number().min(1).max(500).default(50),
  EMAIL_AUTO_REPLIES_PER_DAY: z.coerce.number().int().min(0).max(100).default(3),
  API_WRITES_PER_MINUTE: z.coerce.number().int().min(1).max(100_000).default(600),
  OFFER_TIMEOUT_SECONDS: z.coerce.number().int().min(5).max(600).default(30),
  VOICE_RECORD_CALLS: z.enum(["true", "false"]).default("false").transform((v) => v === "true"),
  VOICE_ANNOUNCE_MONITORING: z.enum(["true", "false"]).default("true").transform((v) => v === "true"),
  WRAP_UP_SECONDS: z.coerce.number().int().min(0).max(3600).default(30),
  REPORT_FACTS_EVERY_SECONDS: z.coerce.number().int().min(5).max(3600).default(60),
  CHAT_UPLOAD_MAX_BYTES: z.coerce.number().int().min(1024).max(50 * 1024 * 1024).default(5 * 1024 * 1024),
  CHAT_UPLOAD_TYPES: z
    .string()
    .default("image/png,image/jpeg,image/gif,image/webp,application/pdf,text/plain")
    .transform((v) => v.split(",").map((t) => t.trim().toLowerCase()).filter(Boolean)),
  SMS_DEFAULT_COUNTRY: z.string().length(2).toUpperCase().default("US"),
  LOG_LEVEL: z.enum(["debug", "info", "warn", "error", "silent"]).default("info"),
  // Letters, digits, '-', '_' and '.': keys read "<prefix>:…", and BullMQ forbids nothing else here.
  REDIS_PREFIX: z.string().regex(/^[A-Za-z0-9_.-]{1,40}$/, "must be 1 to 40 letters, digits, '-', '_' or '.'").default("sb"),
  TRUST_PROXY: z
    .string()
    .default("false")
    .transform((v, ctx) => {
      try {
        return parseTrustProxy(v);
      } catch (err) {
        ctx.addIssue({ code: "custom", message: (err as Error).message });
        return z.NEVER;
      }
    }),
});

export type ChannelSettings = { enabled: true } | { enabled: false; reason: string };

export interface SmsSettings {
  accountSid: string;
  authToken: string;
  phoneNumber: string;
  apiBaseUrl: string | undefined;
  /** Past this a REST call's outcome is unknown: the outbox looks the message up before any resend. */
  requestTimeoutMs: number;
}

export interface Config {
  port: number;
  host: string;
  publicUrl: string;
  databaseUrl: string;
  redisUrl: string;
  sessionSecret: string;
  /** 32 bytes that seal mailbox passwords (server/domain/mailboxes/secrets.ts): from ENCRYPTION_KEY, else SESSION_SECRET. */
  encryptionKey: Buffer;
  /** The mailbox IMAP_URL, SMTP_URL and MAIL_FROM describe (null when they are unset); kept in step at start. */
  mailEnvironment: MailEnvironment | null;
  offerTimeoutMs: number;
  /** After a call, how long the agent has for notes before going available again. */
  wrapUpMs: number;
  /** How often the workers sum newly sealed 15-minute intervals for the reports (and repair stale ones). */
  reportFactsEveryMs: number;
  /** Record answered calls; the recording is put on the call's timeline item. */
  recordCalls: boolean;
  /** Tell an agent when a supervisor listens, whispers or barges on their call (VOICE_ANNOUNCE_MONITORING). */
  announceMonitoring: boolean;
  smsDefaultCountry: string;
  /** What a chat visitor may upload. */
  uploads: { maxBytes: number; types: string[] };
  logLevel: "debug" | "info" | "warn" | "error" | "silent";
  sms: SmsSettings | null;
  /** Voice uses the same Twilio account and number as SMS. */
  voice: SmsSettings | null;
  /** Browser softphone tokens (optional: without them agents answer calls on their phone, later). */
  softphone: { apiKeySid: string; apiKeySecret: string; twimlAppSid: string } | null;
  /** Why each channel is on or off, for the log line at start and the workspace banner. */
  channels: Record<Channel, ChannelSettings>;
  /** What an inbound mail may bring (attachments past these are listed as withheld), and automatic mail per address. */
  email: {
    limits: { maxAttachmentBytes: number; maxAttachments: number; maxTotalAttachmentBytes: number };
    /** A mail larger than this is not fetched: its headers and a note stand for it (it stays in the mailbox). */
    maxMessageBytes: number;
    autoRepliesPerDay: number;
    timeoutMs: number;
  };
  /** Changes (POST, PUT, PATCH, DELETE) one signed-in agent may make on /api per minute. */
  apiWritesPerMinute: number;
  /** Prefix of every Redis key this instance uses: lets tests and several sites share one Redis. */
  redisPrefix: string;
  /** How long one outbound attempt holds its message: the provider timeout plus a margin. */
  sendLeaseMs: number;
  /** Which peers may name the client in X-Forwarded-For (TRUST_PROXY); none by default. */
  trustProxy: TrustProxy;
}

export class ConfigError extends Error {}

/** Parses the environment; throws ConfigError with one line naming the first bad variable. */
/** Voice is on but the browser softphone is not: calls then ring only agents who set a forward phone. */
export function softphoneOffReason(config: Pick<Config, "voice" | "softphone">): string | null {
  if (!config.voice || config.softphone) return null;
  return "The browser softphone is off: set TWILIO_API_KEY_SID, TWILIO_API_KEY_SECRET and TWILIO_TWIML_APP_SID (until then calls ring only agents with a forward phone)";
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const name = String(issue.path[0] ?? "environment");
    const value = env[name];
    const problem = value === undefined ? "is required but not set" : issue.message;
    throw new ConfigError(`Configuration error: ${name} ${problem}`);
  }
  const e = parsed.data;

  const twilioVars = { TWILIO_ACCOUNT_SID: e.TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN: e.TWILIO_AUTH_TOKEN, TWILIO_PHONE_NUMBER: e.TWILIO_PHONE_NUMBER };
  const missingTwilio = Object.entries(twilioVars).filter(([, v]) => !v).map(([k]) => k);
  if (missingTwilio.length > 0 && missingTwilio.length < 3) {
    // Half a Twilio setup is a typo, not a choice: say which piece is missing rather than run with SMS silently off.
    throw new ConfigError(`Configuration error: ${missingTwilio[0]} is required when the other TWILIO_* settings are set`);
  }
  const sms: SmsSettings | null =
    missingTwilio.length === 0
      ? { accountSid: e.TWILIO_ACCOUNT_SID!, authToken: e.TWILIO_AUTH_TOKEN!, phoneNumber: e.TWILIO_PHONE_NUMBER!, apiBaseUrl: e.TWILIO_API_BASE_URL, requestTimeoutMs: e.TWILIO_TIMEOUT_SECONDS * 1000 }
      : null;

  const mailEnvironment = parseMailEnvironment(e);

  const off = (reason: string): ChannelSettings => ({ enabled: false, reason });
  return {
    port: e.PORT,
    host: e.HOST,
    publicUrl: (e.PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, ""),
    databaseUrl: e.DATABASE_URL,
    redisUrl: e.REDIS_URL,
    sessionSecret: e.SESSION_SECRET,
    encryptionKey: secretsKey({ encryptionKey: e.ENCRYPTION_KEY, sessionSecret: e.SESSION_SECRET }),
    mailEnvironment,
    offerTimeoutMs: e.OFFER_TIMEOUT_SECONDS * 1000,
    wrapUpMs: e.WRAP_UP_SECONDS * 1000,
    reportFactsEveryMs: e.REPORT_FACTS_EVERY_SECONDS * 1000,
    recordCalls: e.VOICE_RECORD_CALLS,
    announceMonitoring: e.VOICE_ANNOUNCE_MONITORING,
    smsDefaultCountry: e.SMS_DEFAULT_COUNTRY,
    uploads: { maxBytes: e.CHAT_UPLOAD_MAX_BYTES, types: e.CHAT_UPLOAD_TYPES },
    logLevel: e.LOG_LEVEL,
    sms,
    voice: sms,
    softphone:
      e.TWILIO_API_KEY_SID && e.TWILIO_API_KEY_SECRET && e.TWILIO_TWIML_APP_SID
        ? { apiKeySid: e.TWILIO_API_KEY_SID, apiKeySecret: e.TWILIO_API_KEY_SECRET, twimlAppSid: e.TWILIO_TWIML_APP_SID }
        : null,
    channels: {
      sms: sms ? { enabled: true } : off("SMS is off: set TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_PHONE_NUMBER"),
      voice: sms ? { enabled: true } : off("Voice is off: set TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_PHONE_NUMBER"),
      // Email is on while at least one mailbox is active: a runtime fact (server/switchboard.ts keeps it).
      email: off("Email is off: add a mailbox (IMAP_URL, SMTP_URL and MAIL_FROM, or POST /api/mailboxes)"),
      // Chat needs no provider: it is on wherever a widget key is configured (POST /api/widgets).
      chat: { enabled: true },
    },
    email: {
      limits: {
        maxAttachmentBytes: Math.round(e.EMAIL_MAX_ATTACHMENT_MB * 1024 * 1024),
        maxAttachments: e.EMAIL_MAX_ATTACHMENTS,
        maxTotalAttachmentBytes: Math.round(e.EMAIL_MAX_TOTAL_ATTACHMENT_MB * 1024 * 1024),
      },
      maxMessageBytes: Math.round(e.EMAIL_MAX_MESSAGE_MB * 1024 * 1024),
      autoRepliesPerDay: e.EMAIL_AUTO_REPLIES_PER_DAY,
      timeoutMs: Math.min(20_000, e.TWILIO_TIMEOUT_SECONDS * 1000 + 5000),
    },
    apiWritesPerMinute: e.API_WRITES_PER_MINUTE,
    redisPrefix: e.REDIS_PREFIX,
    sendLeaseMs: e.TWILIO_TIMEOUT_SECONDS * 1000 + 10_000,
    trustProxy: e.TRUST_PROXY,
  };
}
