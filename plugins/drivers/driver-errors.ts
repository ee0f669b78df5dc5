/**
 * Helpers every driver uses to turn a client library's error into words safe to show: no password,
 * no connection string, no host.
 */

/** Network-level failures: the endpoint is down or unreachable, not the statement's fault. */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE', 'ECONNABORTED']);

export function networkReason(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string' || !NETWORK_CODES.has(code)) return undefined;
  switch (code) {
    case 'ECONNREFUSED':
      return 'the server refused the connection (is it running, and on that port?)';
    case 'ETIMEDOUT':
      return 'connecting timed out';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'the host name could not be resolved';
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return 'the host is unreachable';
    default:
      return 'the connection was lost';
  }
}

/** Removes every secret and host from a message, and anything that looks like a connection string. */
export function scrub(message: string, secrets: readonly (string | undefined | null)[], hosts: readonly string[] = []): string {
  let out = message.replace(/\b[a-z][a-z0-9+.-]*:\/\/[^\s'"]+/gi, '[connection string]');
  for (const secret of secrets) if (secret) out = out.split(secret).join('[redacted]');
  for (const host of hosts) if (host) out = out.split(host).join('[host]');
  out = out.replace(/\b\d{1,3}(?:\.\d{1,3}){3}(?::\d+)?\b/g, '[host]');
  return out.trim().replace(/\.$/, '');
}
