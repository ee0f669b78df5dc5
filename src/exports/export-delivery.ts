import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { AppError, ErrorCode } from '../errors/app-error.js';
import { backoffDelayMs, type BackoffPolicy } from '../net/backoff.js';
import { webhookSigner, type WebhookSignatureHeaders } from '../events/webhook-signature.js';
import { randomBase32 } from '../ids.js';
import { egressDenialOf, type EgressGuard } from '../net/egress-guard.js';
import { contentTypeOf, type ExportFormat } from './export-format.js';

/** Where a finished export file goes: a signed POST to a receiver, or an object in an S3-compatible bucket. */
export type DeliveryTarget =
  | { kind: 'WEBHOOK'; url: string; secret: string }
  | {
      kind: 'S3';
      endpoint: string | null;
      region: string;
      bucket: string;
      prefix: string;
      accessKeyId: string;
      secretAccessKey: string;
      forcePathStyle: boolean;
    };

/** Between attempts to POST an export: 125–250 ms, doubling, at most 30 s (equal jitter: one caller waits, so no retry at once). */
const RETRY_BACKOFF: BackoffPolicy = { baseMs: 250, capMs: 30_000, jitter: 'equal' };

export interface DeliveryOptions {
  /** Per attempt. */
  timeoutMs: number;
  /** Attempts before the delivery fails (webhooks; the S3 client retries on its own). */
  attempts: number;
  /** Where a delivery may connect: checked on the address the host resolves to as the socket connects. */
  egress: EgressGuard;
  now?: () => Date;
}

/**
 * Sends the export in `file` (`name` is its file name) to `target`, streaming it from disk so memory
 * stays flat. Returns where it went, in words without secrets (`s3://bucket/key`, or the URL).
 * A failure throws AppError(DELIVERY_FAILED) whose message names the destination and the reason, never a secret.
 */
export async function deliverExport(target: DeliveryTarget, file: string, name: string, format: ExportFormat, options: DeliveryOptions): Promise<string> {
  const { size } = await stat(file);
  if (target.kind === 'S3') {
    const key = `${target.prefix}${name}`;
    if (target.endpoint) {
      try {
        options.egress.preflight(new URL(target.endpoint));
      } catch (error) {
        throw new AppError(ErrorCode.DELIVERY_FAILED, `The export could not be stored in bucket ${target.bucket}: ${(error as Error).message}.`, undefined, { cause: error });
      }
    }
    // The S3 client (about 95 ms to load) is loaded by the first delivery to a bucket, not at start.
    const { PutObjectCommand, S3Client } = await import('@aws-sdk/client-s3');
    const client = new S3Client({
      region: target.region,
      // S3-compatible stores (MinIO, Ceph, s3rver…) often cannot read the aws-chunked bodies that
      // checksums on every request need; AWS itself can, and keeps them.
      ...(target.endpoint ? { endpoint: target.endpoint, requestChecksumCalculation: 'WHEN_REQUIRED' as const, responseChecksumValidation: 'WHEN_REQUIRED' as const } : {}),
      forcePathStyle: target.forcePathStyle,
      credentials: { accessKeyId: target.accessKeyId, secretAccessKey: target.secretAccessKey },
      maxAttempts: options.attempts,
      // Agents of its own (the client destroys them), whose lookup applies the egress policy.
      requestHandler: options.egress.newAgents(),
    });
    try {
      await client.send(
        new PutObjectCommand({ Bucket: target.bucket, Key: key, Body: createReadStream(file), ContentLength: size, ContentType: contentTypeOf(format) }),
        { abortSignal: AbortSignal.timeout(options.timeoutMs) },
      );
    } catch (error) {
      const denied = egressDenialOf(error);
      const reason = denied ? denied.message : error instanceof Error ? (error.name === 'TimeoutError' || error.name === 'AbortError' ? `timed out after ${options.timeoutMs} ms` : error.name) : 'unknown error';
      throw new AppError(ErrorCode.DELIVERY_FAILED, `The export could not be stored in bucket ${target.bucket}: ${reason}.`, undefined, { cause: error });
    } finally {
      client.destroy();
    }
    return `s3://${target.bucket}/${key}`;
  }
  let lastError = 'unknown error';
  let made = 0;
  // One message id for every attempt, so a receiver that took the file once can drop a retry.
  const messageId = `exd_${randomBase32(20)}`;
  for (let attempt = 1; attempt <= options.attempts; attempt++) {
    made = attempt;
    const signature = await signFile(target.secret, messageId, file, options.now?.() ?? new Date());
    try {
      const response = await options.egress.fetch(target.url, {
        method: 'POST',
        headers: {
          'content-type': contentTypeOf(format),
          'content-length': String(size),
          'content-disposition': `attachment; filename="${name}"`,
          'user-agent': 'Warden-Exports/1',
          ...signature,
        },
        body: Readable.toWeb(createReadStream(file)) as ReadableStream<Uint8Array>,
        duplex: 'half',
        redirect: 'manual',
        signal: AbortSignal.timeout(options.timeoutMs),
      } as RequestInit & { duplex: 'half' });
      await response.body?.cancel();
      if (response.ok) return target.url;
      lastError = `HTTP ${response.status}`;
    } catch (error) {
      const denied = egressDenialOf(error);
      if (denied) {
        // The policy will say the same on the next attempt.
        lastError = denied.message;
        break;
      }
      lastError = error instanceof Error && error.name === 'TimeoutError' ? `timed out after ${options.timeoutMs} ms` : causeCode(error);
    }
    if (attempt < options.attempts) await new Promise((resolve) => setTimeout(resolve, backoffDelayMs(attempt, RETRY_BACKOFF)));
  }
  throw new AppError(ErrorCode.DELIVERY_FAILED, `The export could not be delivered to ${target.url}: ${lastError} (after ${made} attempt${made === 1 ? '' : 's'}).`);
}

/** The Standard Webhooks signature headers over the file's bytes, as for event deliveries, read from disk in chunks. */
async function signFile(secret: string, messageId: string, file: string, now: Date): Promise<WebhookSignatureHeaders> {
  const signer = webhookSigner(secret, messageId, now);
  for await (const chunk of createReadStream(file)) signer.update(chunk as Buffer);
  return signer.headers();
}

function causeCode(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown } } | undefined)?.cause;
  return typeof cause?.code === 'string' ? cause.code : 'the request failed';
}
