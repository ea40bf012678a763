import { MAX_PAYLOAD_BYTES, packMessages, unpackPayload } from '../../src/job-queue/events/notify-payloads';

const event = (index: number) =>
  JSON.stringify({
    topic: 'job.progress',
    payload: {
      jobId: `job-${index.toString().padStart(6, '0')}`,
      stage: 'READING',
      progress: index % 100,
      at: new Date(1_800_000_000_000 + index).toISOString(),
    },
  });

describe('NOTIFY payload packing', () => {
  it('sends a lone small event as plain JSON, readable by instances that do not inflate', () => {
    const [packet, ...rest] = packMessages([event(1)]);
    expect(rest).toEqual([]);
    expect(JSON.parse(packet.payload)).toEqual([JSON.parse(event(1))]);
    expect(unpackPayload(packet.payload)).toEqual([JSON.parse(event(1))]);
  });

  it('packs a burst into few payloads under the limit, and unpacks every event in order', () => {
    const messages = Array.from({ length: 5000 }, (_, index) => event(index));
    const packets = packMessages(messages);
    const rawBytes = messages.reduce((sum, message) => sum + message.length, 0);
    expect(packets.length).toBeLessThan(rawBytes / MAX_PAYLOAD_BYTES / 3);
    for (const { payload } of packets) expect(Buffer.byteLength(payload)).toBeLessThanOrEqual(MAX_PAYLOAD_BYTES);
    expect(packets.reduce((sum, packet) => sum + packet.count, 0)).toBe(messages.length);
    expect(packets.flatMap((packet) => unpackPayload(packet.payload))).toEqual(
      messages.map((message) => JSON.parse(message)),
    );
  });

  it('splits payloads that do not compress well until each fits', () => {
    const noise = (seed: number) =>
      JSON.stringify({
        topic: 't',
        payload: Array.from({ length: 120 }, (_, index) => ((seed * 7919 + index * 104729) % 1e9).toString(36)).join(
          '',
        ),
      });
    const messages = Array.from({ length: 60 }, (_, index) => noise(index + 1));
    const packets = packMessages(messages);
    for (const { payload } of packets) expect(Buffer.byteLength(payload)).toBeLessThanOrEqual(MAX_PAYLOAD_BYTES);
    expect(packets.flatMap((packet) => unpackPayload(packet.payload))).toEqual(
      messages.map((message) => JSON.parse(message)),
    );
  });
});
