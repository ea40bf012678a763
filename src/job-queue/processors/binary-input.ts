import { ProcessingStage } from '../common/job.enums';
import type { ProcessingContext } from '../processor-contract/file-processor.interface';

/**
 * Reads the whole file into one buffer of its own (safe to transfer to a worker thread), in the READING stage,
 * reporting bytes as they arrive. For formats whose libraries need all of the data at once (PDF, DOCX).
 */
export async function readWholeFile(context: ProcessingContext): Promise<Uint8Array> {
  context.progress.stage(ProcessingStage.READING);
  let data = new Uint8Array(Number(context.job.fileSize));
  let length = 0;
  for await (const chunk of context.openStream() as AsyncIterable<Buffer>) {
    context.signal.throwIfAborted();
    if (length + chunk.length > data.length) {
      const grown = new Uint8Array(Math.max(length + chunk.length, data.length * 2));
      grown.set(data.subarray(0, length));
      data = grown;
    }
    data.set(chunk, length);
    length += chunk.length;
    context.progress.bytes(length);
  }
  return length === data.length ? data : data.slice(0, length);
}

/** The file ended before `wanted` more bytes could be read at byte `offset`. */
export class EndOfFile extends Error {
  constructor(
    readonly offset: number,
    readonly wanted: number,
  ) {
    super(`the file ends at byte ${offset}, ${wanted} more bytes were expected`);
    this.name = 'EndOfFile';
  }
}

/**
 * Reads a file front to back in exact amounts, pulling chunks from its stream only as needed (headers of large
 * files are read without reading the rest). Reports bytes consumed and honours the signal.
 */
export class ByteCursor {
  private readonly chunks: AsyncIterator<Buffer>;
  private buffered: Buffer = Buffer.alloc(0);
  /** Bytes consumed so far: the offset of the next byte. */
  offset = 0;

  constructor(private readonly context: ProcessingContext) {
    this.chunks = (context.openStream() as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
  }

  /** The next `count` bytes; throws EndOfFile when the file is shorter. */
  async read(count: number): Promise<Buffer> {
    while (this.buffered.length < count) {
      this.context.signal.throwIfAborted();
      const next = await this.chunks.next();
      if (next.done) throw new EndOfFile(this.offset + this.buffered.length, count - this.buffered.length);
      this.buffered = this.buffered.length ? Buffer.concat([this.buffered, next.value]) : next.value;
    }
    const bytes = this.buffered.subarray(0, count);
    this.buffered = this.buffered.subarray(count);
    this.offset += count;
    this.context.progress.bytes(this.offset);
    return bytes;
  }

  async byte(): Promise<number> {
    return (await this.read(1))[0];
  }

  /** Skips `count` bytes without keeping them. */
  async skip(count: number): Promise<void> {
    let left = count;
    while (left > 0) {
      const step = Math.min(left, 64 * 1024);
      await this.read(step);
      left -= step;
    }
  }

  /** Stops reading (closes the stream). */
  async close(): Promise<void> {
    await this.chunks.return?.();
  }
}
