// MMS media: Twilio serves each file at its REST API (Basic auth with the account's credentials) and
// answers with a redirect to short-lived storage that must get no credentials (it has its own signed
// query, and refuses a second authentication). Only our account's media URLs are fetched: the
// credentials never go to a host named in a webhook.
import { MediaFetchError, type FetchedMedia } from "../channel.ts";
import { rebaseUri } from "../twilio/rest-client.ts";

const TWILIO_API = "https://api.twilio.com";
const MAX_REDIRECTS = 3;
const TIMEOUT_MS = 20_000;

export interface MediaFetchSettings {
  accountSid: string;
  authToken: string;
  /** Only to point at a local fake in tests, as for the REST client. */
  apiBaseUrl?: string | undefined;
}

export async function fetchTwilioMedia(settings: MediaFetchSettings, url: string, opts: { maxBytes: number }): Promise<FetchedMedia> {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    throw new MediaFetchError("not a URL", true);
  }
  const ours = `${TWILIO_API}/2010-04-01/Accounts/${settings.accountSid}/Messages/`;
  if (!target.href.startsWith(ours) || !/\/Media\/ME[0-9a-fA-F]{32}$/.test(target.pathname)) {
    throw new MediaFetchError("not a media URL of this Twilio account", true);
  }
  let next = settings.apiBaseUrl ? rebaseUri(target.href, new URL(settings.apiBaseUrl)) : target.href;
  const apiOrigin = new URL(next).origin;
  const auth = `Basic ${Buffer.from(`${settings.accountSid}:${settings.authToken}`).toString("base64")}`;
  const signal = AbortSignal.timeout(TIMEOUT_MS);
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    let res: Response;
    try {
      // Credentials only to the API itself, never to where it redirects.
      const headers: Record<string, string> = new URL(next).origin === apiOrigin ? { authorization: auth } : {};
      res = await fetch(next, { headers, redirect: "manual", signal });
    } catch (err) {
      throw new MediaFetchError(`Twilio could not be reached (${(err as Error).message})`, false);
    }
    if (res.status >= 300 && res.status < 400) {
      const location = res.headers.get("location");
      await res.body?.cancel();
      if (!location) throw new MediaFetchError(`Twilio answered ${res.status} without a Location`, false);
      next = new URL(location, next).href;
      continue;
    }
    if (!res.ok) {
      await res.body?.cancel();
      // 404: Twilio no longer has the file (deleted, or the message is gone): asking again will not help.
      const final = res.status === 404 || res.status === 410 || res.status === 403;
      throw new MediaFetchError(`Twilio answered ${res.status} ${res.statusText}`.trim(), final);
    }
    const contentType = (res.headers.get("content-type") ?? "application/octet-stream").split(";")[0]!.trim().toLowerCase();
    return { data: await readCapped(res, opts.maxBytes), contentType };
  }
  throw new MediaFetchError("too many redirects", false);
}

/** Reads the body, refusing it as soon as it passes the limit (a huge file is never held whole). */
async function readCapped(res: Response, maxBytes: number): Promise<Buffer> {
  const declared = Number(res.headers.get("content-length") ?? NaN);
  if (declared > maxBytes) {
    await res.body?.cancel();
    throw new MediaFetchError(`the file is larger than ${maxBytes} bytes`, true);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    const reader = res.body?.getReader();
    for (;;) {
      const read = reader ? await reader.read() : { done: true as const, value: undefined };
      if (read.done) break;
      size += read.value.length;
      if (size > maxBytes) {
        await reader?.cancel();
        throw new MediaFetchError(`the file is larger than ${maxBytes} bytes`, true);
      }
      chunks.push(Buffer.from(read.value));
    }
  } catch (err) {
    if (err instanceof MediaFetchError) throw err;
    throw new MediaFetchError(`the download broke off (${(err as Error).message})`, false);
  }
  return Buffer.concat(chunks);
}
