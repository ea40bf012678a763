import { deflateRawSync, inflateRawSync } from 'node:zlib';

/** PostgreSQL refuses NOTIFY payloads of 8000 bytes or more. */
export const MAX_PAYLOAD_BYTES = 7900;
/** Below this a payload goes as plain JSON: compressing a lone event would only add latency. */
const PLAIN_UP_TO_BYTES = 1000;
/** Raw JSON gathered for a first try at one deflated payload: event JSON deflates about 8x, base64 adds a third. */
const RAW_BYTES_FIRST_TRY = 40_000;
const DEFLATED_PREFIX = 'z';

/** One NOTIFY payload, carrying the next `count` messages. */
export interface Packet {
  payload: string;
  count: number;
}

/**
 * Packs JSON messages, in order, into as few NOTIFY payloads as fit: a JSON array, deflated and base64-encoded
 * (prefixed "z") when that pays. Every NOTIFY costs a round trip and a commit, and every listener reads every
 * payload, so a burst of events is sent as a handful of payloads rather than one per event.
 * Each message alone must fit a payload as plain JSON.
 */
export function packMessages(messages: string[]): Packet[] {
  const packets: Packet[] = [];
  let start = 0;
  let rawBudget = RAW_BYTES_FIRST_TRY;
  while (start < messages.length) {
    let end = start;
    let rawBytes = 0;
    while (end < messages.length && (end === start || rawBytes + messages[end].length < rawBudget)) {
      rawBytes += messages[end].length + 1;
      end++;
    }
    const packet = encode(messages.slice(start, end));
    if (packet.payload.length > MAX_PAYLOAD_BYTES && end - start > 1) {
      // Too big: retry with the share that this group's compression ratio says will fit.
      rawBudget = Math.max(1000, Math.floor((rawBytes * MAX_PAYLOAD_BYTES * 0.95) / packet.payload.length));
      continue;
    }
    packets.push(packet);
    start = end;
  }
  return packets;
}

function encode(group: string[]): Packet {
  const json = `[${group.join(',')}]`;
  const plainBytes = Buffer.byteLength(json);
  if (plainBytes <= PLAIN_UP_TO_BYTES) return { payload: json, count: group.length };
  const deflated = DEFLATED_PREFIX + deflateRawSync(json).toString('base64');
  return deflated.length <= MAX_PAYLOAD_BYTES || plainBytes > MAX_PAYLOAD_BYTES
    ? { payload: deflated, count: group.length }
    : { payload: json, count: group.length };
}

/** The messages of one payload, plain or deflated (instances of older versions send plain ones). */
export function unpackPayload(payload: string): unknown[] {
  const json = payload.startsWith(DEFLATED_PREFIX)
    ? inflateRawSync(Buffer.from(payload.slice(1), 'base64')).toString()
    : payload;
  return JSON.parse(json) as unknown[];
}
