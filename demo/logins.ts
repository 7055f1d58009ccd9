// The demo's logins, kept in its own data folder so that every `npm run demo` can print them (the demo runs
// on loopback for one evaluator; `npm start` shows its passwords only once).
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";

const Logins = z.array(z.object({ role: z.string(), name: z.string(), email: z.string(), password: z.string() }));
export type DemoLogin = z.infer<typeof Logins>[number];

const file = (dataDir: string) => join(dataDir, "demo-logins.json");

export function saveDemoLogins(dataDir: string, logins: DemoLogin[]): void {
  writeFileSync(file(dataDir), JSON.stringify(logins, null, 2), { mode: 0o600 });
}

/** The saved logins, or null when this database was seeded elsewhere (or the file is gone or damaged). */
export function readDemoLogins(dataDir: string): DemoLogin[] | null {
  if (!existsSync(file(dataDir))) return null;
  const parsed = Logins.safeParse(JSON.parse(readFileSync(file(dataDir), "utf8")));
  return parsed.success ? parsed.data : null;
}
