/**
 * How the fan-out (socket-fanout.ts) frames a subscriber's batch of graphql-ws messages: WebSocket text frames
 * (final, unmasked: server to client), one per message `head + tail`, where the head (`{"id":…,"type":"next",
 * "payload":`) is the subscriber's and the tails (each result's payload) are shared by every subscriber of a stream.
 */

/**
 * Bytes of frames handed to a socket in one write at most (unless one message is larger): a client that stops
 * reading holds no more. Also the size of the slabs that batches are framed in.
 */
export const MAX_BATCH_BYTES = 64 * 1024;
/** Slabs kept for the next writes; a slab out with a write that has not completed is not among them. */
const MAX_FREE_SLABS = 8;

/** The bytes of one message's frame: its header, then the message. */
export const framedSize = (length: number) => frameHeaderSize(length) + length;
const frameHeaderSize = (length: number) => (length < 126 ? 2 : length < 65536 ? 4 : 10);

/**
 * The buffers that batches are framed in, each used again once the socket has taken its write: at once when the
 * kernel took it whole (the usual case), else at its callback (until then libuv may still read it). The bench's 200
 * `jobUpdated` subscribers of a 5,000-job burn-down get 1,000,000 messages in ~6,000 batches: framed message by
 * message into a new buffer per write, framing took the worker 350-520 ms (and writing 230-360); into slabs given
 * back at the callback, 285-347 (153-167): all 200 writes of a run were still out, so most slabs were new ones. With
 * a slab given back at once and the last batch copied (lastBatch), framing takes 25-39 ms and the worker's peak RSS
 * is 176-181 MB instead of 199-207 (six runs each way).
 */
const free: ArrayBuffer[] = [];

/**
 * The last batch framed. Every subscriber of a shared stream is handed the same messages, so in one run of the
 * coalescer most have the same ones waiting: the next of them copies these frames whole (nothing to copy when it
 * is framed in the same slab, given back meanwhile) and writes over only the bytes where its head differs (the
 * subscription id), instead of framing each message anew. Its bytes stay as they are until the next batch is
 * framed, even once its slab is free: only frameBatch writes slabs, and it replaces this first.
 */
let lastBatch: { head: Buffer; tails: readonly Buffer[]; frames: Buffer } | null = null;

/** The net.Socket under a WebSocket, written to directly. */
export interface FrameSink {
  write(data: Buffer, callback: (error?: Error | null) => void): boolean;
  /** Bytes handed to write() that the kernel has not taken yet (a write in progress included). */
  readonly writableLength: number;
}

/**
 * Frames `tails` under `head` (`size` bytes in all: framedSize of each) and writes them to `socket` in one write;
 * `written` is called once the socket has taken it (or failed to).
 */
export function writeBatch(
  socket: FrameSink,
  head: Buffer,
  tails: readonly Buffer[],
  size: number,
  written: () => void,
): void {
  const frames = frameBatch(head, tails, size);
  let givenBack = false;
  socket.write(frames, (error) => {
    // After an error, whether libuv is done with the frames is not known: they are not used again.
    if (!error && !givenBack) giveBack(frames);
    written();
  });
  // Taken by the kernel at once, as writes to a reading client are: the slab frames the next subscriber's batch of
  // this run (the callback comes a tick later, after every subscriber of the run was written).
  if (socket.writableLength === 0) {
    givenBack = true;
    giveBack(frames);
  }
}

/** The frames of `tails` under `head`, in a slab unless they take more than one. */
function frameBatch(head: Buffer, tails: readonly Buffer[], size: number): Buffer {
  const frames = size > MAX_BATCH_BYTES ? Buffer.allocUnsafe(size) : Buffer.from(free.pop() ?? slab(), 0, size);
  const last = lastBatch;
  // The same messages under a head of the same length: the same size, the same frame headers.
  if (last !== null && last.head.length === head.length && same(last.tails, tails)) {
    if (last.frames.buffer !== frames.buffer) frames.set(last.frames);
    writeHeadsOver(frames, last.head, head, tails);
  } else writeTextFrames(frames, head, tails);
  // A batch larger than a slab (one large message) is not kept: this outlives its stream, until the next batch.
  lastBatch = size > MAX_BATCH_BYTES ? null : { head, tails, frames };
  return frames;
}

/** A batch's frames, after the socket took them: their slab is used again. */
function giveBack(frames: Buffer): void {
  const buffer = frames.buffer;
  // An oversized batch's buffer (allocUnsafe, larger than a slab) is never a slab's size.
  if (buffer instanceof ArrayBuffer && buffer.byteLength === MAX_BATCH_BYTES && free.length < MAX_FREE_SLABS)
    free.push(buffer);
}

/** Not zeroed (a new ArrayBuffer's zeroing was 13-24 µs): a batch writes every byte of it that is sent. */
const slab = () => Buffer.allocUnsafeSlow(MAX_BATCH_BYTES).buffer;

function same(framed: readonly Buffer[], tails: readonly Buffer[]): boolean {
  if (framed.length !== tails.length) return false;
  for (let index = 0; index < tails.length; index++) if (framed[index] !== tails[index]) return false;
  return true;
}

/** `set`, not `Buffer#copy`: on Node 22 copy's argument checks cost ~0.1 µs a call, two calls a message. */
function writeTextFrames(frames: Buffer, head: Buffer, tails: readonly Buffer[]): void {
  let offset = 0;
  for (const tail of tails) {
    const length = head.length + tail.length;
    frames[offset] = 0x81; // FIN + text
    if (length < 126) frames[offset + 1] = length;
    else if (length < 65536) {
      frames[offset + 1] = 126;
      frames.writeUInt16BE(length, offset + 2);
    } else {
      frames[offset + 1] = 127;
      frames.writeUInt32BE(0, offset + 2);
      frames.writeUInt32BE(length, offset + 6);
    }
    offset += frameHeaderSize(length);
    frames.set(head, offset);
    frames.set(tail, offset + head.length);
    offset += length;
  }
}

/** Frames copied from a batch under `framedHead` become `head`'s: the bytes where the two differ, in each message. */
function writeHeadsOver(frames: Buffer, framedHead: Buffer, head: Buffer, tails: readonly Buffer[]): void {
  let start = 0;
  while (start < head.length && framedHead[start] === head[start]) start++;
  if (start === head.length) return;
  let end = head.length;
  while (framedHead[end - 1] === head[end - 1]) end--;
  const differing = head.subarray(start, end);
  let offset = 0;
  for (const tail of tails) {
    const length = head.length + tail.length;
    offset += frameHeaderSize(length);
    frames.set(differing, offset + start);
    offset += length;
  }
}
