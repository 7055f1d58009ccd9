// Request bodies read with a hard limit. A declared Content-Length over the limit is refused before a
// byte is read; a streamed body is cut off the moment it passes the limit, and the connection is then
// closed (the error handler says Connection: close). body-parser instead reads an oversized body to
// its end before answering, which lets one client hold a connection open as long as it keeps sending.
import type { IncomingMessage } from "node:http";
import type { NextFunction, Request, Response } from "express";
import { AppError } from "../errors.ts";

const tooLarge = (limit: number) => new AppError("TOO_LARGE", `The request body is larger than ${Math.floor(limit / 1024)} kB`, { limitBytes: limit });

export function readLimitedBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = req.headers["content-length"];
  if (declared !== undefined && Number(declared) > limit) return Promise.reject(tooLarge(limit));
  const encoding = req.headers["content-encoding"];
  // Compressed bodies are refused rather than inflated: a small zip can expand past any limit.
  if (encoding && encoding.toLowerCase() !== "identity") return Promise.reject(new AppError("VALIDATION", `Content-Encoding ${encoding} is not accepted`));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = (fn: () => void) => {
      req.off("data", onData).off("end", onEnd).off("error", onGone).off("close", onGone);
      fn();
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) return void chunks.push(chunk);
      req.pause();
      done(() => reject(tooLarge(limit)));
    };
    const onEnd = () => done(() => resolve(Buffer.concat(chunks, size)));
    const onGone = () => done(() => reject(new AppError("VALIDATION", "The request body was cut off")));
    req.on("data", onData).on("end", onEnd).on("error", onGone).on("close", onGone);
  });
}

function charsetIsUtf8(req: Request): boolean {
  const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(req.get("content-type") ?? "")?.[1]?.toLowerCase();
  return !charset || charset === "utf-8" || charset === "utf8";
}

/** JSON bodies (as express.json would, utf-8 only), with a reviver for every value. */
export function jsonBody(opts: { limit: number; reviver?: (key: string, value: unknown) => unknown }) {
  return async (req: Request, _res: Response, next: NextFunction) => {
    if (!req.is("application/json")) return next();
    if (!charsetIsUtf8(req)) throw new AppError("VALIDATION", "A JSON body must be UTF-8");
    const raw = await readLimitedBody(req, opts.limit);
    try {
      req.body = raw.length === 0 ? {} : JSON.parse(raw.toString("utf8"), opts.reviver);
    } catch (err) {
      throw new AppError("VALIDATION", `Malformed JSON body: ${(err as Error).message}`);
    }
    next();
  };
}

/** A form body as its text (the caller parses it: Twilio's signature covers the fields as sent). */
export function formText(opts: { limit: number }) {
  return async (req: Request, _res: Response, next: NextFunction) => {
    if (!req.is("application/x-www-form-urlencoded")) return next();
    if (!charsetIsUtf8(req)) throw new AppError("VALIDATION", "A form body must be UTF-8");
    req.body = (await readLimitedBody(req, opts.limit)).toString("utf8");
    next();
  };
}
