// `npm run worker`: the BullMQ workers (routing, offer timeouts, outbound sends, sweeps) as their own
// process, for sites that run several. Any number may run beside the servers; matching stays atomic.
import { ConfigError, loadConfig } from "./config.ts";
import { createLogger } from "./log.ts";
import { startSwitchboard } from "./switchboard.ts";

try {
  const config = loadConfig();
  const log = createLogger(config.logLevel);
  const app = await startSwitchboard({ config, log, serveHttp: false, runWorkers: true });
  log.info("switchboard workers running");
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
