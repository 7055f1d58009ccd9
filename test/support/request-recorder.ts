// A stand-in for the senders' servers a hostile mail would call home to: answers every request with a
// small PNG, over plain HTTP and over HTTPS (a self-signed certificate made with openssl for the run),
// and records each request, so a test can prove what the browser did or did not ask for.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { deflateSync, crc32 } from "node:zlib";

export interface RecordedRequest {
  scheme: "http" | "https";
  method: string;
  path: string;
}

export interface RequestRecorder {
  /** http://127.0.0.1:<port> */
  httpUrl: string;
  /** https://127.0.0.1:<port> (self-signed: the browser context must ignore certificate errors) */
  httpsUrl: string;
  requests: RecordedRequest[];
  /** Resolves with the first request whose path is `path` (at once if it came already). */
  waitFor(path: string): Promise<RecordedRequest>;
  close(): Promise<void>;
}

/** A solid-colour PNG of the given size, made by hand (no image library). */
export function solidPng(width: number, height: number, rgb: [number, number, number]): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, "latin1"), data]);
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([length, body, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8-bit RGB, no interlace
  const row = Buffer.concat([Buffer.from([0]), Buffer.alloc(width * 3).map((_, i) => rgb[i % 3]!)]);
  const pixels = Buffer.concat(Array.from({ length: height }, () => row));
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk("IHDR", header), chunk("IDAT", deflateSync(pixels)), chunk("IEND", Buffer.alloc(0))]);
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve((server.address() as AddressInfo).port)));
}

export async function startRequestRecorder(): Promise<RequestRecorder> {
  const requests: RecordedRequest[] = [];
  const waiters: { path: string; resolve: (r: RecordedRequest) => void }[] = [];
  const png = solidPng(60, 30, [220, 60, 40]);
  const handler = (scheme: "http" | "https") => (req: IncomingMessage, res: ServerResponse) => {
    const request = { scheme, method: req.method ?? "GET", path: (req.url ?? "/").split("?")[0]! };
    requests.push(request);
    for (const w of waiters.filter((w) => w.path === request.path)) w.resolve(request);
    res.writeHead(200, { "Content-Type": "image/png", "Cache-Control": "no-store" }).end(png);
  };

  const dir = mkdtempSync(join(tmpdir(), "sb-recorder-"));
  execFileSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
    "-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem")], { stdio: "ignore" });
  const tls = { key: readFileSync(join(dir, "key.pem")), cert: readFileSync(join(dir, "cert.pem")) };
  rmSync(dir, { recursive: true, force: true });

  const plain = createHttpServer(handler("http"));
  const secure = createHttpsServer(tls, handler("https"));
  const [httpPort, httpsPort] = await Promise.all([listen(plain), listen(secure)]);
  return {
    httpUrl: `http://127.0.0.1:${httpPort}`,
    httpsUrl: `https://127.0.0.1:${httpsPort}`,
    requests,
    waitFor: (path) => {
      const seen = requests.find((r) => r.path === path);
      return seen ? Promise.resolve(seen) : new Promise((resolve) => waiters.push({ path, resolve }));
    },
    close: async () => {
      for (const s of [plain, secure]) s.closeAllConnections();
      await Promise.all([plain, secure].map((s) => new Promise((resolve) => s.close(resolve))));
    },
  };
}
