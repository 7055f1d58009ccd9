// `npm run worker`: the BullMQ workers (routing, offer timeouts, outbound sends, sweeps) as their own
// process, for sites that run several. Any number may run beside the servers; matching stays atomic.
import { runProcess } from "./run-process.ts";

await runProcess("switchboard workers", { serveHttp: false, runWorkers: true });
