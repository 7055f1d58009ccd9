// GET /api/messages/:id/email-html: an email's sanitized HTML as a document for the workspace's
// sandboxed frame. The headers are the second wall behind the sanitizer: no script, form, plugin, frame
// or font runs or loads; images only from our signed file links (and data:), and remote ones (https)
// only when the agent asks with ?images=remote; only our own pages may frame it.
import { Router } from "express";
import { z } from "zod";
import { readEmailHtml, type EmailHtmlDeps } from "../domain/email/email-html-document.ts";
import { originOf } from "./origin-check.ts";
import { signedInAgent } from "./auth-routes.ts";
import { parseInput } from "./validate.ts";

export type EmailContentDeps = EmailHtmlDeps;

const Params = z.object({ id: z.string().uuid("must be a valid id") });
const Query = z.object({ images: z.enum(["remote"]).optional() });

/** The policy of the email frame: `sandbox` gives the document an opaque origin and no scripts, forms, popups or top navigation. */
export function emailFramePolicy(publicUrl: string, remoteImages: boolean): string {
  const images = [`${originOf(publicUrl)}/files/`, "data:", ...(remoteImages ? ["https:"] : [])];
  return [`default-src 'none'`, `style-src 'unsafe-inline'`, `img-src ${images.join(" ")}`, `frame-ancestors 'self'`, `base-uri 'none'`, `form-action 'none'`, "sandbox"].join("; ");
}

export function emailContentRouter(deps: EmailContentDeps): Router {
  const router = Router();
  router.get("/messages/:id/email-html", async (req, res) => {
    const { id } = parseInput(Params, req.params);
    const remoteImages = parseInput(Query, req.query).images === "remote";
    const html = await readEmailHtml(deps, signedInAgent(req), { messageId: id, remoteImages });
    res.set({
      "Content-Type": "text/html; charset=utf-8",
      "Content-Security-Policy": emailFramePolicy(deps.publicUrl, remoteImages),
      "X-Content-Type-Options": "nosniff",
      "Referrer-Policy": "no-referrer",
      "Cache-Control": "private, no-store",
      "X-Frame-Options": "SAMEORIGIN",
    });
    res.send(html);
  });
  return router;
}
