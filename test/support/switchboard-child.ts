// A Switchboard process for tests that need several (test/support/switchboard-process.ts forks this):
// the same composition root as `npm run serve` / `npm run worker`, with the test's timings. Config comes
// from the environment as in production; SWITCHBOARD_TEST_START holds the StartOptions, and
// SWITCHBOARD_TEST_REDIS_PREFIX the run's Redis prefix. Exits when its parent goes away.
import { loadConfig } from "../../server/config.ts";
import { createLogger } from "../../server/log.ts";
import { startSwitchboard, type StartOptions } from "../../server/switchboard.ts";

const config = loadConfig(process.env);
config.redisPrefix = process.env.SWITCHBOARD_TEST_REDIS_PREFIX ?? config.redisPrefix;
const start = JSON.parse(process.env.SWITCHBOARD_TEST_START ?? "{}") as Omit<StartOptions, "config" | "log">;
const app = await startSwitchboard({ config, log: createLogger(config.logLevel), ...start });
let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await app.close();
  process.exit(0);
};
process.on("SIGTERM", () => void stop());
process.on("disconnect", () => void stop());
process.send!({ type: "ready", port: app.port });
