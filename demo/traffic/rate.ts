// `--traffic 30/min`: how many customers arrive, per second, minute or hour.
import { z } from "zod";

const PER_MINUTE = { s: 60, sec: 60, min: 1, m: 1, h: 1 / 60, hour: 1 / 60 } as const;
const RATE = /^(\d+(?:\.\d+)?)\/(s|sec|min|m|h|hour)$/;

export const TrafficRate = z
  .string()
  .trim()
  .regex(RATE, 'a rate such as "30/min", "1/s" or "200/h"')
  .transform((v) => {
    const [, n, unit] = RATE.exec(v)!;
    return Number(n) * PER_MINUTE[unit as keyof typeof PER_MINUTE];
  })
  .refine((perMinute) => perMinute > 0 && perMinute <= 600, "between 1/h and 10/s");

/** The arrivals per minute `--traffic` asks for, null when absent; throws with a line naming the flag. */
export function trafficFromArgs(args: string[]): number | null {
  const i = args.findIndex((a) => a === "--traffic" || a.startsWith("--traffic="));
  if (i < 0) return null;
  const value = args[i]!.includes("=") ? args[i]!.slice("--traffic=".length) : args[i + 1];
  const parsed = TrafficRate.safeParse(value ?? "");
  if (!parsed.success) throw new Error(`--traffic: ${parsed.error.issues[0]!.message}`);
  return parsed.data;
}
