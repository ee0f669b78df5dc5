import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { AppError, ErrorCode } from '../errors/app-error.js';

/** Rows are gathered into chunks of about this many characters before they are written. */
const CHUNK_CHARACTERS = 16 * 1024;

/** Node's writable state, as older `readable-stream` copies (used inside archiver) also keep it. */
interface LegacyWritableState {
  _writableState?: { length?: number; needDrain?: boolean };
}

/** Bytes queued in a writable; works for streams from old `readable-stream` copies, which lack `writableLength`. */
export function queuedBytesOf(stream: Writable): number {
  return stream.writableLength ?? (stream as LegacyWritableState)._writableState?.length ?? 0;
}

function needsDrain(stream: Writable): boolean {
  return stream.writableNeedDrain ?? (stream as LegacyWritableState)._writableState?.needDrain ?? false;
}

/**
 * Resolves when `stream` has drained its buffer; rejects if it fails or closes first, so a client
 * that goes away stops the export instead of leaving it waiting for ever.
 */
export function drained(stream: Writable): Promise<void> {
  if (stream.destroyed || stream.writableEnded) return Promise.reject(outputClosed());
  if (!needsDrain(stream)) return Promise.resolve();
  return new Promise<void>((resolve, reject) => {
    const cleanup = () => {
      stream.off('drain', onDrain);
      stream.off('error', onError);
      stream.off('close', onClose);
    };
    const onDrain = () => {
      cleanup();
      resolve();
    };
    const onError = (error: unknown) => {
      cleanup();
      reject(outputFailed(error));
    };
    const onClose = () => {
      cleanup();
      reject(outputClosed());
    };
    stream.on('drain', onDrain);
    stream.on('error', onError);
    stream.on('close', onClose);
  });
}

export function outputClosed(): AppError {
  return new AppError(ErrorCode.INTERNAL, 'The export output closed before the export was written.');
}

export function outputFailed(cause: unknown): AppError {
  return cause instanceof AppError ? cause : new AppError(ErrorCode.INTERNAL, 'The export could not be written to its output.', undefined, { cause });
}

/**
 * Where the text formats write: gathers small pieces into ~16 KiB chunks, writes them as UTF-8,
 * waits for 'drain' whenever the output says its buffer is full, and counts the bytes written.
 */
export class TextOutput {
  bytes = 0;
  private pieces: string[] = [];
  private characters = 0;

  constructor(private readonly output: Writable) {}

  /** Adds text; writes (and waits for the output) once a chunk's worth has gathered. */
  async write(text: string): Promise<void> {
    this.pieces.push(text);
    this.characters += text.length;
    if (this.characters >= CHUNK_CHARACTERS) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.pieces.length === 0) return;
    const chunk = Buffer.from(this.pieces.join(''), 'utf8');
    this.pieces = [];
    this.characters = 0;
    this.bytes += chunk.byteLength;
    if (this.output.destroyed) throw outputClosed();
    if (!this.output.write(chunk)) await drained(this.output);
  }

  /** Writes what is left, ends the output and waits until it has finished. */
  async end(): Promise<void> {
    await this.flush();
    this.output.end();
    await finishedWriting(this.output);
  }
}

/** Waits for a writable (or the writable side of a duplex) to finish. */
export async function finishedWriting(output: Writable): Promise<void> {
  try {
    await finished(output, { readable: false });
  } catch (error) {
    throw outputFailed(error);
  }
}
