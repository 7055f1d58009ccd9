// `npm run serve`: the server for deployments that configure everything themselves (DATABASE_URL,
// REDIS_URL, …) and run `npm run migrate`. RUN_WORKERS=false leaves the jobs to `npm run worker`.
import { runProcess } from "./run-process.ts";

await runProcess("switchboard server", { runWorkers: process.env.RUN_WORKERS !== "false" });
