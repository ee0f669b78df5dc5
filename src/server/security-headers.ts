import type { ServerResponse } from 'node:http';
import type { RequestHandler } from 'express';

/**
 * Every response: nothing to render, run or frame. The gateway answers JSON, files and event streams; a
 * browser that is shown one of them anyway (sniffing, a frame, a link) loads nothing from it.
 */
export const API_CONTENT_SECURITY_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/**
 * The gateway's own pages (the console and the explorer, src/server/web-pages.ts): scripts and styles
 * from this origin only, no inline script, no eval, nothing from another host. Fonts and images may be
 * data: URLs (the explorer's stylesheet carries its fonts inline). The pages talk to /graphql over fetch
 * and WebSocket, which `'self'` covers.
 */
export const HTML_CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "manifest-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

/** A year, as browsers and preload lists expect. */
const HSTS = 'max-age=31536000';

export interface SecurityHeaderOptions {
  /** Whether to send Strict-Transport-Security (the gateway is reached over https). */
  hsts: boolean;
}

/**
 * Sets the headers every response carries: no sniffing, no framing, no referrer, a Content-Security-Policy
 * (the page's own for an HTML response, the locked one otherwise), and HSTS when the gateway is served
 * over TLS.
 */
export function setSecurityHeaders(res: ServerResponse, options: SecurityHeaderOptions, html = false): void {
  res.setHeader('x-content-type-options', 'nosniff');
  res.setHeader('x-frame-options', 'DENY');
  res.setHeader('referrer-policy', 'no-referrer');
  res.setHeader('content-security-policy', html ? HTML_CONTENT_SECURITY_POLICY : API_CONTENT_SECURITY_POLICY);
  if (options.hsts) res.setHeader('strict-transport-security', HSTS);
}

/** Whether a Content-Type header names an HTML page. */
export const isHtml = (contentType: unknown): boolean => /^\s*text\/html\b/i.test(String(contentType ?? ''));

/**
 * The same, as the first middleware for every express route (/mcp, /healthz, /exports/…, 404s). The
 * content type is known only when the handler answers, so an HTML page's policy is chosen as its head is
 * written.
 */
export function securityHeaders(options: SecurityHeaderOptions): RequestHandler {
  return (_req, res, next) => {
    setSecurityHeaders(res, options);
    const writeHead = res.writeHead;
    res.writeHead = function (this: typeof res, ...args: Parameters<typeof res.writeHead>) {
      if (isHtml(res.getHeader('content-type'))) res.setHeader('content-security-policy', HTML_CONTENT_SECURITY_POLICY);
      return writeHead.apply(this, args);
    } as typeof res.writeHead;
    next();
  };
}
