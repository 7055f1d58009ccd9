// The composition root: builds every dependency once and wires adapters, domain, HTTP, realtime and jobs.
import { createServer, type Server as HttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Redis } from "ioredis";
import { Server as SocketServer } from "socket.io";
import type { ChannelAdapter } from "../channels/channel.ts";
import { createChatAdapter } from "../channels/chat/chat-adapter.ts";
import { createEmailAdapter, type EmailAdapter } from "../channels/email/email-adapter.ts";
import type { WatcherOptions } from "../channels/email/imap-watcher.ts";
import { startMailWatchers, type MailWatchers } from "./domain/email/mail-watchers.ts";
import { sendingMailboxes, trackEmailAvailability } from "./domain/email/sending-mailboxes.ts";
import { createSmsAdapter, type SmsAdapter } from "../channels/sms/sms-adapter.ts";
import { createVoiceAdapter, type VoiceAdapter } from "../channels/voice/voice-adapter.ts";
import type { Channel } from "../shared/domain.ts";
import type { ChannelSettings, Config } from "./config.ts";
import { createDb, type Db } from "./db/client.ts";
import { createHttpApp } from "./http/app.ts";
import { createQueues, type Queues } from "./jobs/queues.ts";
import { startWorkers, type Workers } from "./jobs/workers.ts";
import { createLogger, type Logger } from "./log.ts";
import { attachAgentNamespace, deliverToAgents } from "./realtime/agent-namespace.ts";
import { attachChatNamespace, deliverToVisitors } from "./realtime/chat-namespace.ts";
import { loadChatMessage } from "./domain/chat/chat-visitor.ts";
import { syncEnvironmentMailboxAtStart } from "./domain/mailboxes/environment-mailbox.ts";
import type { EventPublisher } from "./domain/events.ts";
import { createEventPublisher, subscribeToEvents, type EventSubscription } from "./realtime/event-bus.ts";
import type { BoardFeed } from "./realtime/board-feed.ts";
import { trackAgentSockets, type AgentSocketRegistry } from "./redis/agent-sockets.ts";
import { createRateLimiter } from "./redis/rate-limiter.ts";
import { createLoginThrottle, DEFAULT_LOGIN_LIMITS, type LoginLimits } from "./redis/login-throttle.ts";

/** The largest socket.io frame a client may send (bytes). */
export const SOCKET_FRAME_MAX_BYTES = 64 * 1024;

export interface StartOptions {
  config: Config;
  log?: Logger;
  /** Run the BullMQ workers in this process (the default), or leave them to `npm run worker`. */
  runWorkers?: boolean;
  /** Serve HTTP and sockets (the default), or only run workers. */
  serveHttp?: boolean;
  sweepEveryMs?: number;
  disconnectGraceMs?: number;
  /** The live board's coalescing window (benchmarks and tests shorten it). */
  boardCoalesceMs?: number;
  /** How often the live board is read whole, for what no event named (tests lengthen it). */
  boardFullEveryMs?: number;
  outboundBackoffMs?: number;
  /** Lock of a running outbound job (BullMQ lockDuration): tests shorten it to see a dead worker's job run again. */
  outboundLockMs?: number;
  /** First retry delay of MMS media fetches (tests make it short). */
  mediaBackoffMs?: number;
  dbPoolSize?: number;
  /** IMAP watchers' back-off and rescan, and how often mailboxes are re-read (tests shorten them). */
  mail?: { watcher?: WatcherOptions; refreshMs?: number };
  /** Sign-in throttling; the defaults suit production (tests lower them to reach them quickly). */
  loginLimits?: Partial<LoginLimits>;
}

export interface Switchboard {
  url: string;
  port: number;
  db: Db;
  redis: Redis;
  queues: Queues;
  events: EventPublisher;
  /** Whether each channel is on now (email: while some mailbox is active), and why not. */
  channelState(channel: Channel): ChannelSettings;
  /** The IMAP watchers, where this process runs workers. */
  mailWatchers: MailWatchers | null;
  httpServer: HttpServer | null;
  /** The express app the server runs (test/authorization.test.ts walks its routes). */
  httpApp: ReturnType<typeof createHttpApp> | null;
  io: SocketServer | null;
  readonly board: BoardFeed | null;
  close(): Promise<void>;
}

export function redisConnection(url: string, log?: Logger): Redis {
  // BullMQ needs maxRetriesPerRequest: null so blocking commands survive reconnects.
  const redis = new Redis(url, { maxRetriesPerRequest: null });
  // ioredis reconnects by itself and emits an error per attempt: say once that it is down, once that it is back.
  let down = false;
  redis.on("error", (err) => {
    if (down) return;
    down = true;
    log?.warn("Redis unreachable; reconnecting (work waits, nothing is lost: Postgres holds it)", { err: err.message });
  });
  redis.on("ready", () => {
    if (!down) return;
    down = false;
    log?.info("Redis reachable again");
  });
  return redis;
}

export function buildAdapters(
  config: Config,
  deps: { pool: Db["pool"]; events: EventPublisher },
): { sms: SmsAdapter | null; voice: VoiceAdapter | null; email: EmailAdapter; adapters: Partial<Record<Channel, ChannelAdapter>> } {
  const sms = config.sms
    ? createSmsAdapter({ ...config.sms, publicUrl: config.publicUrl, defaultCountry: config.smsDefaultCountry })
    : null;
  const chat = createChatAdapter({
    async deliverToVisitor(visitorId, messageId) {
      const loaded = await loadChatMessage(deps.pool, messageId);
      if (loaded && loaded.visitorId === visitorId) await deps.events.publish({ type: "chat.message", visitorId, message: loaded.message });
    },
  });
  const voice = config.voice
    ? createVoiceAdapter({ ...config.voice, publicUrl: config.publicUrl, defaultCountry: config.smsDefaultCountry, recordCalls: config.recordCalls })
    : null;
  // Always built: mailboxes are added at run time, and each send reads its mailbox's current settings.
  const email = createEmailAdapter({ mailbox: sendingMailboxes(deps.pool, config.encryptionKey), timeoutMs: config.email.timeoutMs });
  return { sms, voice, email, adapters: { chat, email, ...(sms ? { sms } : {}), ...(voice ? { voice } : {}) } };
}

export async function startSwitchboard(opts: StartOptions): Promise<Switchboard> {
  const { config } = opts;
  const log = opts.log ?? createLogger(config.logLevel);
  const db = createDb(config.databaseUrl, { max: opts.dbPoolSize ?? 20, onIdleError: (err) => log.warn("an idle PostgreSQL connection failed; the pool replaces it", { err: err.message }) });
  // IMAP_URL, SMTP_URL and MAIL_FROM give one mailbox: in step with them before anything reads it.
  await syncEnvironmentMailboxAtStart(db, config.encryptionKey, config.mailEnvironment, log).catch(async (err) => {
    await db.close();
    throw err;
  });
  const redis = redisConnection(config.redisUrl, log);
  const queues = createQueues(redis, config.redisPrefix, {
    outboundBackoffMs: opts.outboundBackoffMs,
    mediaBackoffMs: opts.mediaBackoffMs,
    onError: (err) => log.warn("job queue cannot reach Redis", { err: err.message }),
  });
  const events = createEventPublisher(redis, config.redisPrefix);
  const { sms, voice, email, adapters } = buildAdapters(config, { pool: db.pool, events });
  const emailAvailability = trackEmailAvailability(db.pool);
  await emailAvailability.refresh().catch((err) => log.warn("could not read the mailboxes at start", { err: (err as Error).message }));
  const channelState = (channel: Channel) => (channel === "email" && emailAvailability.enabled() ? { enabled: true as const } : config.channels[channel]);
  const softphone = config.softphone && config.voice ? { accountSid: config.voice.accountSid, ...config.softphone } : null;
  const deps = { pool: db.pool, prisma: db.prisma, events, queues, offerTimeoutMs: config.offerTimeoutMs, channelState, log, publicUrl: config.publicUrl, voice, softphone, wrapUpMs: config.wrapUpMs, announceMonitoring: config.announceMonitoring, businessNumber: config.voice?.phoneNumber ?? null, defaultCountry: config.smsDefaultCountry };

  let workers: Workers | null = null;
  if (opts.runWorkers ?? true) {
    workers = await startWorkers(redis, config.redisPrefix, {
      ...deps,
      adapters,
      sweepEveryMs: opts.sweepEveryMs ?? 10_000,
      reportFactsEveryMs: config.reportFactsEveryMs,
      sendLeaseMs: config.sendLeaseMs,
      sessionSecret: config.sessionSecret,
      prisma: db.prisma,
      disconnectGraceMs: opts.disconnectGraceMs ?? 20_000,
      ...(opts.outboundLockMs ? { lockDurationMs: opts.outboundLockMs } : {}),
    });
  }

  const mailWatchers = opts.runWorkers ?? true
    ? startMailWatchers({
        pool: db.pool, events, queues, log, publicUrl: config.publicUrl, sessionSecret: config.sessionSecret,
        autoRepliesPerDay: config.email.autoRepliesPerDay, encryptionKey: config.encryptionKey, limits: config.email.limits,
        watcher: { maxMessageBytes: config.email.maxMessageBytes, ...opts.mail?.watcher },
        ...(opts.mail?.refreshMs ? { refreshMs: opts.mail.refreshMs } : {}),
      })
    : null;

  let httpServer: HttpServer | null = null;
  let httpApp: ReturnType<typeof createHttpApp> | null = null;
  let io: SocketServer | null = null;
  let subscription: EventSubscription | null = null;
  let board: BoardFeed | null = null;
  let agentSockets: AgentSocketRegistry | null = null;
  let port = 0;
  if (opts.serveHttp ?? true) {
    const limiter = createRateLimiter(redis, config.redisPrefix);
    const app = createHttpApp({
      ...deps,
      sms,
      redis,
      limiter,
      apiWritesPerMinute: config.apiWritesPerMinute,
      prisma: db.prisma,
      redisPrefix: config.redisPrefix,
      encryptionKey: config.encryptionKey,
      uploads: config.uploads,
      loginThrottle: createLoginThrottle(redis, config.redisPrefix, { ...DEFAULT_LOGIN_LIMITS, ...opts.loginLimits }),
      trustProxy: config.trustProxy,
      secureCookies: config.publicUrl.startsWith("https://"),
      sessionSecret: config.sessionSecret,
    });
    httpApp = app;
    httpServer = createServer(app);
    io = new SocketServer(httpServer, {
      serveClient: false,
      // The widget runs on other sites: any origin may open the transport (also long-polling), and the
      // /chat handshake then refuses origins the widget key does not allow. No cookies cross origins.
      cors: { origin: true, credentials: false },
      connectionStateRecovery: { maxDisconnectionDuration: 2 * 60 * 1000 },
      // Every frame, before any authentication, is at most this: events are small (a chat message is at
      // most 2000 characters; files go by POST /chat/uploads), so a crowd of strangers sending huge
      // frames is closed, not buffered (engine.io drops the connection over the limit).
      maxHttpBufferSize: SOCKET_FRAME_MAX_BYTES,
    });
    // Only /agent and /chat exist: the default namespace is refused, so nothing can idle on it.
    io.of("/").use((_socket, next) => next(new Error("NOT_FOUND")));
    agentSockets = trackAgentSockets(redis, config.redisPrefix, log);
    const agentRealtime = attachAgentNamespace(io, { ...deps, disconnectGraceMs: opts.disconnectGraceMs ?? 20_000, agentSockets, boardCoalesceMs: opts.boardCoalesceMs, boardFullEveryMs: opts.boardFullEveryMs });
    const agents = agentRealtime.nsp;
    board = agentRealtime.board;
    const visitors = attachChatNamespace(io, { ...deps, sessionSecret: config.sessionSecret, defaultCountry: config.smsDefaultCountry, limiter, uploads: config.uploads, trustProxy: config.trustProxy });
    subscription = subscribeToEvents(
      config.redisUrl,
      config.redisPrefix,
      (event) => {
        deliverToAgents(agents, event);
        agentRealtime.board.onEvent(event);
        deliverToVisitors(visitors, event);
      },
      log,
    );
    const server = httpServer;
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(config.port, config.host, () => resolve());
    });
    port = (server.address() as AddressInfo).port;
  }

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    db,
    redis,
    queues,
    events,
    channelState,
    mailWatchers,
    httpServer,
    httpApp,
    io,
    /** The live board's feed (null without a listening server): its counters, for the benchmark. */
    get board() {
      return board;
    },
    async close() {
      // Each step is bounded: shutting down must not hang on an engine that is already gone.
      const bounded = (p: Promise<unknown> | undefined) =>
        Promise.race([p?.catch(() => {}), new Promise((r) => setTimeout(r, 3000).unref())]);
      board?.close();
      await bounded(io?.close());
      agentSockets?.close();
      if (httpServer?.listening) await bounded(new Promise<void>((r) => httpServer!.close(() => r())));
      await bounded(subscription?.close());
      await bounded(mailWatchers?.close());
      email.close();
      emailAvailability.stop();
      await bounded(workers?.close());
      await bounded(queues.close());
      redis.disconnect();
      await bounded(db.close());
    },
  };
}
