import { deflateRawSync, inflateRawSync } from 'node:zlib';

/** PostgreSQL refuses NOTIFY payloads of 8000 bytes or more. */
export const MAX_PAYLOAD_BYTES = 7900;
/** Below this a payload goes as plain JSON: compressing a lone event would only add latency. */
const PLAIN_UP_TO_BYTES = 1000;
/** Raw JSON gathered per deflated payload: event JSON deflates 6-10x, and base64 adds a third back. */
const RAW_BYTES_PER_PAYLOAD = 32_000;
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
  while (start < messages.length) {
    let end = start;
    let rawBytes = 0;
    while (end < messages.length && (end === start || rawBytes + messages[end].length < RAW_BYTES_PER_PAYLOAD)) {
      rawBytes += messages[end].length + 1;
      end++;
    }
    packets.push(...encode(messages.slice(start, end)));
    start = end;
  }
  return packets;
}

function encode(group: string[]): Packet[] {
  const json = `[${group.join(',')}]`;
  const plainBytes = Buffer.byteLength(json);
  if (plainBytes <= PLAIN_UP_TO_BYTES) return [{ payload: json, count: group.length }];
  const deflated = DEFLATED_PREFIX + deflateRawSync(json).toString('base64');
  if (deflated.length <= MAX_PAYLOAD_BYTES) return [{ payload: deflated, count: group.length }];
  if (plainBytes <= MAX_PAYLOAD_BYTES || group.length === 1) return [{ payload: json, count: group.length }];
  const half = Math.ceil(group.length / 2);
  return [...encode(group.slice(0, half)), ...encode(group.slice(half))];
}

/** The messages of one payload, plain or deflated (instances of older versions send plain ones). */
export function unpackPayload(payload: string): unknown[] {
  const json = payload.startsWith(DEFLATED_PREFIX) ? inflateRawSync(Buffer.from(payload.slice(1), 'base64')).toString() : payload;
  return JSON.parse(json) as unknown[];
}
