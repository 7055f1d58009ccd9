// Child of worker-process.ts: runs the workers with the parent test's config until killed.
import type { Config } from "../../server/config.ts";
import { createLogger } from "../../server/log.ts";
import { startSwitchboard, type StartOptions } from "../../server/switchboard.ts";

// JSON turns the encryption key (a Buffer) into { type: "Buffer", data }: made a Buffer again.
const config = JSON.parse(process.env.SB_TEST_CONFIG!, (_key, value) =>
  value && typeof value === "object" && value.type === "Buffer" && Array.isArray(value.data) ? Buffer.from(value.data) : value,
) as Config;
const start = JSON.parse(process.env.SB_TEST_START ?? "{}") as Partial<StartOptions>;
const app = await startSwitchboard({ config, log: createLogger(config.logLevel), serveHttp: false, runWorkers: true, ...start });
process.on("SIGTERM", () => void app.close().then(() => process.exit(0)));
// The parent going away (a crashed test run) must not leave this process behind.
process.on("disconnect", () => void app.close().then(() => process.exit(0)));
process.send!({ type: "ready" });
