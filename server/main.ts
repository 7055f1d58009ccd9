// The server process for deployments that configure everything themselves (DATABASE_URL, REDIS_URL, …)
// and run migrations with `npm run migrate`. `npm start` wraps this with local conveniences.
import { ConfigError, loadConfig } from "./config.ts";
import { createLogger } from "./log.ts";
import { startSwitchboard } from "./switchboard.ts";

try {
  const config = loadConfig();
  const log = createLogger(config.logLevel);
  // RUN_WORKERS=false leaves the jobs to separate `npm run worker` processes.
  const app = await startSwitchboard({ config, log, runWorkers: process.env.RUN_WORKERS !== "false" });
  log.info("switchboard listening", { url: config.publicUrl, port: app.port });
  const stop = async () => {
    await app.close();
    process.exit(0);
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
} catch (err) {
  console.error(err instanceof ConfigError ? err.message : err);
  process.exit(1);
}
