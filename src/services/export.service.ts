import { createHmac, timingSafeEqual } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import type { Principal } from '../auth/principal.js';
import { AppError, ErrorCode } from '../errors/app-error.js';
import { generateWebhookSecret } from '../events/webhook-signature.js';
import { deliverExport, type DeliveryTarget } from '../exports/export-delivery.js';
import { assertExportFormat, contentTypeOf, fileExtensionOf, type ExportFormat } from '../exports/export-format.js';
import { exportRows } from '../exports/export-writer.js';
import { newId } from '../ids.js';
import { EgressGuard } from '../net/egress-guard.js';
import { DEFAULT_EGRESS_SETTINGS } from '../net/egress-policy.js';
import type { Logger } from '../logger.js';
import type { SecretBox } from '../secrets/secret-box.js';
import type { Store } from '../store/open-store.js';
import type { ExportDestinationRecord, ExportLinkRecord } from '../store/repositories/export-repository.js';
import type { DestinationKind, DestinationSettings, StoredReadQuery } from '../store/schedule-tables.js';
import type { TruncatedReason } from '../../plugins/drivers/driver.js';
import type { Caller, QueryService } from './query.service.js';
import { toReadQuery, toStoredReadQuery, type ReadQueryInput } from './read-query.js';
import { validateUrl } from './webhook.service.js';

export interface ExportSettings {
  /** Rows an export reads at most (the grants may say fewer). */
  maxRows: number;
  /** How long a link works when its maker does not say. */
  linkTtlSeconds: number;
  /** Per delivery attempt. */
  deliveryTimeoutMs: number;
  /** Webhook delivery attempts. */
  deliveryAttempts: number;
  /** Where deliveries may connect (default: the egress policy's defaults). Checked when a destination is registered and as each delivery connects. */
  egress?: EgressGuard;
  /**
   * Where links point: WARDEN_PUBLIC_URL, else the address the gateway listens on, which is known only
   * once it listens (links are made by requests and schedules, both of which come after).
   */
  publicUrl: () => string;
}

/** The longest an export link may be asked to work. */
export const MAX_LINK_TTL_SECONDS = 86_400;
const LINK_KEY_INFO = 'warden export link v1';

export interface RegisterDestinationInput {
  name: string;
  kind: DestinationKind;
  /** WEBHOOK */
  url?: string | null | undefined;
  /** S3: empty for AWS itself; e.g. http://127.0.0.1:9000 for MinIO. */
  endpoint?: string | null | undefined;
  region?: string | null | undefined;
  bucket?: string | null | undefined;
  /** Put before each object's name, e.g. `exports/`. */
  prefix?: string | null | undefined;
  accessKeyId?: string | null | undefined;
  secretAccessKey?: string | null | undefined;
  /** Path-style addressing (bucket in the path), which MinIO and most S3-compatible stores want. Default: true with an endpoint. */
  forcePathStyle?: boolean | null | undefined;
  /** The agents that may send results here. */
  agentIds: readonly string[];
}

/** A destination as the API shows it: never a secret. */
export interface DestinationView {
  id: string;
  name: string;
  kind: DestinationKind;
  url: string | null;
  endpoint: string | null;
  region: string | null;
  bucket: string | null;
  prefix: string | null;
  agentIds: string[];
  createdAt: Date;
}

export interface ExportLinkView {
  id: string;
  url: string;
  format: ExportFormat;
  expiresAt: Date;
}

export interface ExportDeliveryView {
  deliveredTo: string;
  format: ExportFormat;
  rows: number;
  bytes: number;
  truncated: boolean;
  truncatedReason: TruncatedReason | null;
}

/** A verified link, ready to be streamed. */
export interface OpenedLink {
  link: ExportLinkRecord;
  principal: Principal & { kind: 'agent' };
  format: ExportFormat;
  fileName: string;
  contentType: string;
}

/**
 * Exports of permitted results: short-lived signed download links, and delivery to destinations admins
 * register (a signed webhook POST or an S3-compatible bucket). Every export reads through
 * QueryService.openRead under the agent's grants as they are when it runs, so a link made yesterday
 * cannot reach more than its maker may reach today, and a revoked agent's links stop working.
 */
export class ExportService {
  readonly #linkKey: Buffer;
  readonly #egress: EgressGuard;

  constructor(
    private readonly store: Store,
    private readonly queries: QueryService,
    private readonly secrets: SecretBox,
    private readonly settings: ExportSettings,
    private readonly log: Logger,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.#linkKey = secrets.deriveKey(LINK_KEY_INFO);
    this.#egress = settings.egress ?? new EgressGuard(DEFAULT_EGRESS_SETTINGS);
  }

  // Destinations (admins)

  async registerDestination(input: RegisterDestinationInput, by: string | null): Promise<{ destination: DestinationView; secret: string | null }> {
    const name = input.name.trim();
    if (!/^[A-Za-z0-9][A-Za-z0-9 ._-]{0,99}$/.test(name)) {
      throw new AppError(ErrorCode.BAD_USER_INPUT, 'A destination name is 1 to 100 letters, digits, spaces, dots, dashes or underscores.', { field: 'name' });
    }
    if (await this.store.repos.exports.findDestinationByName(name)) {
      throw new AppError(ErrorCode.CONFLICT, `A destination named "${name}" exists already.`, { field: 'name' });
    }
    const agentIds = [...new Set(input.agentIds)];
    const agents = await this.store.repos.agents.findByIds(agentIds);
    const missing = agentIds.filter((id) => !agents.some((a) => a.id === id && a.status === 'ACTIVE'));
    if (missing.length > 0) throw new AppError(ErrorCode.BAD_USER_INPUT, `No active agent with the id ${missing.join(', ')}.`, { field: 'agentIds' });

    let settings: DestinationSettings;
    let secret: string;
    let shown: string | null = null;
    if (input.kind === 'WEBHOOK') {
      if (!input.url) throw new AppError(ErrorCode.BAD_USER_INPUT, 'A WEBHOOK destination needs its url.', { field: 'url' });
      settings = { url: validateUrl(input.url) };
      await this.#egress.checkUrl(settings.url as string, 'destination URL', 'url');
      secret = generateWebhookSecret();
      shown = secret;
    } else if (input.kind === 'S3') {
      const bucket = input.bucket?.trim() ?? '';
      if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) {
        throw new AppError(ErrorCode.BAD_USER_INPUT, 'An S3 bucket name is 3 to 63 lower-case letters, digits, dots or dashes.', { field: 'bucket' });
      }
      if (!input.accessKeyId || !input.secretAccessKey) {
        throw new AppError(ErrorCode.BAD_USER_INPUT, 'An S3 destination needs accessKeyId and secretAccessKey.', { field: 'accessKeyId' });
      }
      const endpoint = input.endpoint ? validateEndpoint(input.endpoint) : null;
      if (endpoint) await this.#egress.checkUrl(endpoint, 'S3 endpoint', 'endpoint');
      const prefix = input.prefix ?? '';
      if (prefix.length > 500 || prefix.startsWith('/')) throw new AppError(ErrorCode.BAD_USER_INPUT, 'A prefix is at most 500 characters and does not start with /.', { field: 'prefix' });
      settings = {
        endpoint,
        region: input.region?.trim() || 'us-east-1',
        bucket,
        prefix,
        accessKeyId: input.accessKeyId,
        forcePathStyle: input.forcePathStyle ?? endpoint !== null,
      };
      secret = input.secretAccessKey;
    } else {
      throw new AppError(ErrorCode.BAD_USER_INPUT, 'A destination is a WEBHOOK or S3.', { field: 'kind' });
    }
    const id = newId('ExportDestination');
    const sealed = this.secrets.seal(secret, destinationContext(id));
    const record = await this.store.transaction((repos) => repos.exports.insertDestination({
      id,
      name,
      kind: input.kind,
      settings: JSON.stringify(settings),
      secretCiphertext: sealed.ciphertext,
      secretKeyId: sealed.keyId,
      agentIds: JSON.stringify(agentIds),
      createdAt: this.now(),
      createdBy: by,
    }));
    return { destination: toDestinationView(record), secret: shown };
  }

  async destinations(): Promise<DestinationView[]> {
    return (await this.store.repos.exports.listDestinations()).map(toDestinationView);
  }

  /** Schedules that delivered here stop at their next run (their destination is gone). */
  async removeDestination(id: string): Promise<DestinationView> {
    const removed = await this.store.transaction((repos) => repos.exports.deleteDestination(id));
    if (!removed) throw new AppError(ErrorCode.NOT_FOUND, `No export destination with the id "${id}".`);
    return toDestinationView(removed);
  }

  /** The destination, if `principal` may send results there (admins may use any); FORBIDDEN or NOT_FOUND otherwise. */
  async destinationFor(principal: Principal, id: string): Promise<ExportDestinationRecord> {
    const record = await this.store.repos.exports.findDestination(id);
    if (!record) throw new AppError(ErrorCode.NOT_FOUND, `No export destination with the id "${id}".`);
    if (principal.kind !== 'agent') throw new AppError(ErrorCode.UNAUTHENTICATED, 'Send an API key.');
    if (principal.role !== 'ADMIN' && !record.agentIds.includes(principal.agentId)) {
      throw new AppError(ErrorCode.FORBIDDEN, `You may not send results to the destination "${record.name}". Ask an admin to add you to it.`, {
        denied: [{ resource: `destination:${record.name}`, needed: 'EXPORT', reason: 'not among the agents this destination accepts' }],
      });
    }
    return record;
  }

  // Links

  /**
   * A download link for a read the caller may make now (checked at once, audited as `exportLink`):
   * `<public url>/exports/<id>?expires=<unix>&signature=<hmac>`. Whoever holds it may download until
   * it expires, but only what its maker may still read, and only while its maker is active.
   */
  async createLink(caller: Caller, databaseId: string, input: ReadQueryInput, format: ExportFormat, expiresInSeconds?: number | null): Promise<ExportLinkView> {
    assertExportFormat(format);
    const ttl = expiresInSeconds ?? this.settings.linkTtlSeconds;
    if (!Number.isInteger(ttl) || ttl < 10 || ttl > MAX_LINK_TTL_SECONDS) {
      throw new AppError(ErrorCode.BAD_USER_INPUT, `expiresInSeconds is from 10 to ${MAX_LINK_TTL_SECONDS} (a day).`, { field: 'expiresInSeconds' });
    }
    const stored = toStoredReadQuery(input);
    await this.queries.checkRead(caller, databaseId, toReadQuery(stored), this.settings.maxRows, 'exportLink');
    const principal = caller.principal as Principal & { kind: 'agent' };
    const now = this.now();
    // Whole seconds, so the signed `expires` and the stored time agree exactly.
    const expiresAt = new Date((Math.floor(now.getTime() / 1000) + ttl) * 1000);
    const link = await this.store.transaction((repos) => repos.exports.insertLink({
      id: newId('ExportLink', 24),
      agentId: principal.agentId,
      databaseId,
      query: JSON.stringify(stored),
      format,
      createdAt: now,
      expiresAt,
    }));
    const expires = Math.floor(expiresAt.getTime() / 1000);
    const url = `${this.settings.publicUrl()}/exports/${link.id}?expires=${expires}&signature=${this.#sign(link.id, expires)}`;
    return { id: link.id, url, format, expiresAt };
  }

  /**
   * Checks a download: the signature first (a forged link costs no store read), then expiry, then that
   * the link exists and its maker is still active. FORBIDDEN for a bad signature, an expired link or a
   * revoked maker; NOT_FOUND for a link that is not (or no longer) kept.
   */
  async openLink(id: string, expiresParam: unknown, signatureParam: unknown): Promise<OpenedLink> {
    const expires = typeof expiresParam === 'string' && /^\d{1,12}$/.test(expiresParam) ? Number(expiresParam) : NaN;
    const signature = typeof signatureParam === 'string' ? signatureParam : '';
    if (!/^exp_[a-z2-7]{24}$/.test(id) || !Number.isFinite(expires) || !this.#verify(id, expires, signature)) {
      throw new AppError(ErrorCode.FORBIDDEN, 'This export link is not valid. Ask for a new one with exportLink.');
    }
    if (this.now().getTime() >= expires * 1000) {
      throw new AppError(ErrorCode.FORBIDDEN, `This export link expired at ${new Date(expires * 1000).toISOString()}. Ask for a new one with exportLink.`);
    }
    const link = await this.store.repos.exports.findLink(id);
    if (!link || link.expiresAt.getTime() !== expires * 1000) throw new AppError(ErrorCode.NOT_FOUND, 'This export link is not known here.');
    const agent = await this.store.repos.agents.findById(link.agentId);
    if (!agent || agent.status !== 'ACTIVE') {
      throw new AppError(ErrorCode.FORBIDDEN, 'The agent that made this export link has been revoked; the link no longer works.');
    }
    const format = link.format as ExportFormat;
    assertExportFormat(format);
    return {
      link,
      principal: { kind: 'agent', agentId: agent.id, keyId: `link:${link.id}`, name: agent.name, role: agent.role },
      format,
      fileName: `${fileStem(link.createdAt)}.${fileExtensionOf(format)}`,
      contentType: contentTypeOf(format),
    };
  }

  /**
   * Opens the link's read under its maker's grants as they are now (audited as `exportDownload`). The
   * read is open when this resolves, so a refusal can still be answered with a status; then `write`
   * streams it to `output`.
   */
  async readLink(opened: OpenedLink, requestId: string | null) {
    const read = await this.queries.openRead(
      { principal: opened.principal, requestId },
      opened.link.databaseId,
      toReadQuery(opened.link.query),
      this.settings.maxRows,
      'exportDownload',
    );
    return {
      /** `onCut` hears why the read was cut (row or byte cap) once the last row is written, before the output ends. */
      write: async (output: Writable, onCut?: (reason: TruncatedReason) => void) => {
        async function* rows() {
          yield* read.rows;
          const { truncated, truncatedReason } = read.summary();
          if (truncated) onCut?.(truncatedReason ?? 'ROW_CAP');
        }
        try {
          const summary = await exportRows(opened.format, read.columns, rows(), output);
          return { ...summary, truncated: read.summary().truncated, truncatedReason: read.summary().truncatedReason ?? null };
        } finally {
          await read.close();
        }
      },
      close: () => read.close(),
    };
  }

  /** Forgets expired links (their rows only: an expired link is refused by its signature's time anyway). */
  async purgeExpiredLinks(): Promise<number> {
    return this.store.repos.exports.deleteExpiredLinks(this.now());
  }

  // Delivery

  /** Exports a read the caller may make to a destination they may use, now; audited as `exportDelivery`. */
  async exportTo(caller: Caller, databaseId: string, input: ReadQueryInput, format: ExportFormat, destinationId: string): Promise<ExportDeliveryView> {
    assertExportFormat(format);
    const stored = toStoredReadQuery(input);
    const destination = await this.destinationFor(caller.principal, destinationId);
    return this.deliver(caller, databaseId, stored, format, destination, fileStem(this.now()), 'exportDelivery');
  }

  /**
   * Reads under the caller's grants into a temporary file in `format`, then sends the file to the
   * destination (so a slow receiver never holds a database cursor open), and removes the file.
   */
  async deliver(
    caller: Caller,
    databaseId: string,
    query: StoredReadQuery,
    format: ExportFormat,
    destination: ExportDestinationRecord,
    stem: string,
    action: string,
  ): Promise<ExportDeliveryView> {
    const read = await this.queries.openRead(caller, databaseId, toReadQuery(query), this.settings.maxRows, action);
    const dir = await mkdtemp(join(tmpdir(), 'warden-export-'));
    try {
      const name = `${stem}.${fileExtensionOf(format)}`;
      const file = join(dir, name);
      let written;
      try {
        written = await exportRows(format, read.columns, read.rows, createWriteStream(file, { mode: 0o600 }));
      } finally {
        await read.close();
      }
      const deliveredTo = await deliverExport(this.#target(destination), file, name, format, {
        timeoutMs: this.settings.deliveryTimeoutMs,
        attempts: this.settings.deliveryAttempts,
        egress: this.#egress,
        now: this.now,
      });
      const { truncated, truncatedReason } = read.summary();
      this.log.info({ destination: destination.name, rows: written.rows, bytes: written.bytes, truncatedReason }, 'delivered an export');
      return { deliveredTo, format, rows: written.rows, bytes: written.bytes, truncated, truncatedReason: truncatedReason ?? null };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  #target(destination: ExportDestinationRecord): DeliveryTarget {
    const settings = destination.settings;
    const secret = this.secrets.open({ keyId: destination.secretKeyId, ciphertext: destination.secretCiphertext }, destinationContext(destination.id));
    if (destination.kind === 'WEBHOOK') return { kind: 'WEBHOOK', url: settings.url as string, secret };
    return {
      kind: 'S3',
      endpoint: settings.endpoint ?? null,
      region: settings.region ?? 'us-east-1',
      bucket: settings.bucket as string,
      prefix: settings.prefix ?? '',
      accessKeyId: settings.accessKeyId as string,
      secretAccessKey: secret,
      forcePathStyle: settings.forcePathStyle ?? false,
    };
  }

  #sign(id: string, expires: number): string {
    return createHmac('sha256', this.#linkKey).update(`${id}.${expires}`).digest('base64url');
  }

  #verify(id: string, expires: number, signature: string): boolean {
    const expected = Buffer.from(this.#sign(id, expires));
    const given = Buffer.from(signature);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }
}

function destinationContext(id: string): string {
  return `export-destination:${id}`;
}

function validateEndpoint(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new AppError(ErrorCode.BAD_USER_INPUT, 'The endpoint is not a valid URL, e.g. https://s3.example.com.', { field: 'endpoint' });
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.username || url.password || url.search || url.hash) {
    throw new AppError(ErrorCode.BAD_USER_INPUT, 'The endpoint is an http:// or https:// URL without credentials, query or fragment.', { field: 'endpoint' });
  }
  return url.toString().replace(/\/+$/, '');
}

/** `export-20261204T101500Z`: when the export was made. */
export function fileStem(at: Date): string {
  return `export-${compactTimestamp(at)}`;
}

/** `20261204T101500Z`: a moment as it goes into a file name. */
export function compactTimestamp(at: Date): string {
  return at.toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/[-:]/g, '');
}

export function toDestinationView(record: ExportDestinationRecord): DestinationView {
  const settings = record.settings;
  return {
    id: record.id,
    name: record.name,
    kind: record.kind,
    url: settings.url ?? null,
    endpoint: settings.endpoint ?? null,
    region: settings.region ?? null,
    bucket: settings.bucket ?? null,
    prefix: settings.prefix ?? null,
    agentIds: record.agentIds,
    createdAt: record.createdAt,
  };
}
