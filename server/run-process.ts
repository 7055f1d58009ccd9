// Runs Switchboard as a long-lived process: config from the environment, a clean stop on SIGINT/SIGTERM.
import { ConfigError, loadConfig, softphoneOffReason } from "./config.ts";
import { createLogger } from "./log.ts";
import { startSwitchboard, type StartOptions } from "./switchboard.ts";

export async function runProcess(name: string, opts: Omit<StartOptions, "config" | "log">): Promise<void> {
  try {
    const config = loadConfig();
    const log = createLogger(config.logLevel);
    const app = await startSwitchboard({ config, log, ...opts });
    log.info(`${name} running`, app.httpServer ? { url: config.publicUrl, port: app.port } : {});
    for (const [channel, state] of Object.entries(config.channels)) if (!state.enabled) log.info(`${channel} off`, { reason: state.reason });
    const softphoneOff = softphoneOffReason(config);
    if (softphoneOff) log.warn("softphone off", { reason: softphoneOff });
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
}
