// `npm start`: a working Switchboard on a machine with Node and Redis (or redis-server) installed.
// Fills in what is not configured (embedded PostgreSQL, local Redis, a session secret), applies
// migrations, seeds a demo workspace on first run, builds the client if needed, and starts everything.
import { join } from "node:path";
import { loadConfig } from "../server/config.ts";
import { createLogger } from "../server/log.ts";
import { startSwitchboard } from "../server/switchboard.ts";
import { buildClientIfNeeded, exitWithStartError, localServices, prepareDatabase, projectRoot, stopOnSignals } from "./local-run.ts";
import { channelLines } from "./start-log.ts";

// Where npm start keeps its embedded database, Redis data and generated secret.
const dataDir = process.env.SWITCHBOARD_DATA_DIR ?? join(projectRoot, ".data");
const say = (line: string) => process.stdout.write(line + "\n");

async function main(): Promise<void> {
  const { env, stops } = await localServices(process.env, dataDir, say);
  const config = loadConfig(env);
  const seeded = await prepareDatabase(config, say);
  if (seeded) {
    say("\nFirst run: a demo workspace was created. These passwords are shown only this once:");
    for (const l of seeded.logins) say(`  ${l.role.padEnd(10)} ${l.email.padEnd(30)} ${l.password}`);
    say(`\nChat widget for pages served from ${new URL(config.publicUrl).origin}:\n  ${seeded.embedSnippet}\n`);
  }
  await buildClientIfNeeded(say);

  const app = await startSwitchboard({ config, log: createLogger(config.logLevel) });
  for (const line of channelLines(config, app)) say(line);
  say(`\nSwitchboard is running: ${config.publicUrl} (listening on ${config.host}:${app.port})`);
  stopOnSignals(say, () => app.close(), stops);
}

main().catch(exitWithStartError("npm start"));
