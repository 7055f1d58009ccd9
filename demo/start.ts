// `npm run demo`: Switchboard as `npm start` runs it, plus a simulated Twilio on loopback (REST API, signed
// webhooks, delivery callbacks), a mail server pair (IMAP and SMTP) and the customer pages on their own
// origin, so every part can be tried on one machine with no accounts. The product runs unchanged: the
// simulators only play Twilio's and the mail servers' part.
import { join } from "node:path";
import { loadConfig } from "../server/config.ts";
import { createDb } from "../server/db/client.ts";
import { createLogger } from "../server/log.ts";
import { startSwitchboard } from "../server/switchboard.ts";
import { buildClientIfNeeded, exitWithStartError, localServices, prepareDatabase, projectRoot, stopOnSignals } from "../scripts/local-run.ts";
import { channelLines } from "../scripts/start-log.ts";
import { startCustomerPages } from "./customer-pages/server.ts";
import { readDemoLogins, saveDemoLogins } from "./logins.ts";
import { startDemoMail } from "./mail/demo-mail.ts";
import { DEMO_MAX_WAIT_SECONDS, ensureDemoEntryPoints } from "./seed-entry-points.ts";
import { trafficFromArgs } from "./traffic/rate.ts";
import { tierSetter } from "./traffic/set-tier.ts";
import { createTraffic, DEFAULT_MIX } from "./traffic/traffic.ts";
import { startTwilioSimulator } from "./twilio-simulator/simulator.ts";

export const DEMO_BUSINESS_NUMBER = "+14155550100";
export const DEMO_MAILBOX = "support@acme.test";
// The demo keeps its own database and secret, apart from a real install's .data/.
const dataDir = process.env.DEMO_DATA_DIR ?? join(projectRoot, ".data", "demo");
const say = (line: string) => process.stdout.write(line + "\n");
const maxWaitSeconds = Number(process.env.DEMO_CALL_MAX_WAIT_SECONDS ?? DEMO_MAX_WAIT_SECONDS);
const rate = (name: string, fallback: number) => {
  const v = process.env[name] === undefined ? fallback : Number(process.env[name]);
  if (!Number.isFinite(v) || v < 0 || v > 1) throw new Error(`${name} must be a number from 0 to 1`);
  return v;
};

/** The environment the demo runs Switchboard with: nothing of a real install's providers or database. */
function demoEnvironment(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of Object.keys(env)) if (/^(TWILIO_|IMAP_URL|SMTP_URL|MAIL_FROM|PUBLIC_URL|DATABASE_URL|REDIS_PREFIX|HOST)/.test(name)) delete env[name];
  if (process.env.DEMO_DATABASE_URL) env.DATABASE_URL = process.env.DEMO_DATABASE_URL;
  env.REDIS_PREFIX = process.env.DEMO_REDIS_PREFIX ?? "sb-demo";
  // Known passwords are printed at every start: the demo listens on loopback only.
  env.HOST = "127.0.0.1";
  env.LOG_LEVEL ??= "warn";
  return env;
}

async function main(): Promise<void> {
  const trafficPerMinute = trafficFromArgs(process.argv.slice(2));
  if (!Number.isInteger(maxWaitSeconds) || maxWaitSeconds < 10) throw new Error("DEMO_CALL_MAX_WAIT_SECONDS must be a whole number of seconds, at least 10");
  const { env, stops } = await localServices(demoEnvironment(), dataDir, say);
  // The port and public URL first (the simulator signs against it), then the simulator, then the real config.
  const planned = loadConfig(env);
  const switchboardUrl = `http://127.0.0.1:${planned.port}`;
  const sim = await startTwilioSimulator({
    switchboardUrl,
    publicUrl: planned.publicUrl,
    businessNumber: DEMO_BUSINESS_NUMBER,
    undeliveredRate: rate("DEMO_UNDELIVERED_RATE", 0.03),
    onWebhookFailure: (what, detail) => say(`simulated Twilio: ${what} was refused: ${detail}`),
  });
  stops.push(() => sim.close());
  const mail = await startDemoMail({ businessAddress: DEMO_MAILBOX, businessName: "Acme Support" });
  stops.push(() => mail.close());
  // The product's own settings for a Twilio account and a first mailbox, pointed at the simulators.
  const config = loadConfig({
    ...env,
    TWILIO_ACCOUNT_SID: sim.accountSid,
    TWILIO_AUTH_TOKEN: sim.authToken,
    TWILIO_PHONE_NUMBER: DEMO_BUSINESS_NUMBER,
    TWILIO_API_BASE_URL: sim.apiUrl,
    IMAP_URL: mail.imapUrl,
    SMTP_URL: mail.smtpUrl,
    MAIL_FROM: mail.mailFrom,
  });

  const seeded = await prepareDatabase(config, say);
  if (seeded) saveDemoLogins(dataDir, seeded.logins);
  const pagesPort = Number(process.env.DEMO_PORT ?? 3001);
  const db = createDb(config.databaseUrl, { max: 2 });
  const entryPoints = await ensureDemoEntryPoints(db.prisma, { publicUrl: config.publicUrl, businessNumber: DEMO_BUSINESS_NUMBER, shopOrigin: `http://localhost:${pagesPort}`, firstRun: seeded !== null, maxWaitSeconds }).finally(() => db.close());
  await buildClientIfNeeded(say);

  const app = await startSwitchboard({ config, log: createLogger(config.logLevel) });
  const pages = await startCustomerPages({ sim, mail, port: pagesPort, workspaceUrl: config.publicUrl, widget: { scriptUrl: `${config.publicUrl}/widget.js`, publicKey: entryPoints.widget.publicKey } });
  stops.push(() => pages.close());

  say("");
  for (const line of channelLines(config, app)) say(line);
  say(`         (here the "Twilio console" is the simulator: it already sends to these URLs, signed as Twilio signs them;`);
  say(`          the mailbox ${DEMO_MAILBOX} is on the demo's own IMAP and SMTP servers)`);
  say("\nLogins:");
  const logins = readDemoLogins(dataDir);
  if (logins) for (const l of logins) say(`  ${l.role.padEnd(10)} ${l.email.padEnd(30)} ${l.password}`);
  else say("  (this database was seeded before the demo kept its logins: npm run agent -- reset-password alex@switchboard.local)");
  say(`\nBe the customer: ${pages.origin}`);
  say(`  phone:  ${pages.origin}/phone   (texts the business at ${DEMO_BUSINESS_NUMBER}; replies show their delivery ticks)`);
  say(`  mail:   ${pages.origin}/mail    (writes to the business at ${DEMO_MAILBOX} and reads its answers)`);
  say(`  shop:   ${pages.origin}/shop    (a web shop with the chat widget embedded)`);
  say(`  calls:  from the phone page: callers hold (place in line shown as text); an agent who accepts the call in the`);
  say(`          workspace answers it on their simulated forward phone (no softphone without Twilio's cloud):`);
  for (const c of entryPoints.callTakers) say(`          ${c.name.padEnd(12)} ${pages.origin}/phone?number=${encodeURIComponent(c.phone)}`);
  if (entryPoints.callTakers.length === 0) say("          (no agent has a forward phone yet: an admin sets one under Team → Agents)");
  say(`          unanswered for ${maxWaitSeconds} s, a caller may press 1 for a callback or leave a voicemail`);
  let stopTraffic = async () => {};
  if (trafficPerMinute !== null) {
    const trafficDb = createDb(config.databaseUrl, { max: 2 });
    const admin = await trafficDb.prisma.agent.findFirstOrThrow({ where: { role: "admin", deactivatedAt: null }, orderBy: { createdAt: "asc" }, select: { id: true, role: true, name: true } });
    const traffic = createTraffic({
      sim,
      mail,
      chat: { switchboardUrl, widgetKey: entryPoints.widget.publicKey, origin: pages.origin },
      setTier: tierSetter(trafficDb.prisma, admin),
      onError: (what, err) => say(`${what}: ${err.message}`),
    });
    traffic.start(trafficPerMinute);
    stops.push(() => trafficDb.close());
    stopTraffic = () => traffic.stop();
    const share = (n: number) => `${Math.round(n * 100)}%`;
    const c = DEFAULT_MIX.channels;
    say(`\nTraffic: ${trafficPerMinute} customers a minute on average — SMS ${share(c.sms)}, calls ${share(c.voice)}, email ${share(c.email)}, chat ${share(c.chat)};`);
    say(`  ${share(DEFAULT_MIX.returning)} returning, gold ${share(DEFAULT_MIX.tiers.gold)} and platinum ${share(DEFAULT_MIX.tiers.platinum)}; ${share(DEFAULT_MIX.hangUp)} of callers hang up on hold, ${share(DEFAULT_MIX.stop)} of texters send STOP`);
  }
  say(`\nSwitchboard demo is running: ${config.publicUrl} (sign in as an agent, set yourself Available)`);
  // The traffic stops first, so its customers' last webhooks still reach a running Switchboard.
  stopOnSignals(say, async () => {
    await stopTraffic();
    await app.close();
  }, stops);
}

main().catch(exitWithStartError("npm run demo"));
