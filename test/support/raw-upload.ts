import { readdirSync } from 'node:fs';
import net from 'node:net';
import { multipart, type MultipartPart } from './api-helpers';

/**
 * POST /files over a bare TCP socket, so that a test controls when each byte of the body goes out and can drop the
 * connection mid-body, as a client that crashes or loses its network would. supertest always sends whole bodies.
 */
export interface RawUpload {
  socket: net.Socket;
  /** The whole body the request head announced (its Content-Length). */
  body: Buffer;
  /** Bytes of `body` written so far. */
  sent: number;
  /** Writes the next `bytes` of the body (at most what is left). */
  send(bytes: number): void;
  /** Drops the connection from the client's side, as a crashed client or a lost network would. */
  drop(): void;
  /** Everything the server answered until it closed the connection, and whether the close came from the server. */
  closed: Promise<{ response: string; byServer: boolean }>;
}

/** Opens the connection and writes the request head; no body byte is sent yet. */
export async function openRawUpload(baseUrl: string, parts: MultipartPart[]): Promise<RawUpload> {
  const { port, hostname } = new URL(baseUrl);
  const { contentType, body } = multipart(parts);
  const socket = net.connect(Number(port), hostname);
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  let response = '';
  let destroyedByUs = false;
  socket.on('data', (chunk: Buffer) => (response += chunk.toString('utf8')));
  const closed = new Promise<{ response: string; byServer: boolean }>((resolve) => {
    socket.on('error', () => undefined); // a reset after the server answered early is expected
    socket.once('close', () => resolve({ response, byServer: !destroyedByUs }));
  });
  socket.write(
    `POST /files HTTP/1.1\r\nHost: ${hostname}:${port}\r\nContent-Type: ${contentType}\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`,
  );
  const upload: RawUpload = {
    socket,
    body,
    sent: 0,
    send(bytes) {
      const end = Math.min(body.length, upload.sent + bytes);
      if (!socket.destroyed) socket.write(body.subarray(upload.sent, end));
      upload.sent = end;
    },
    drop() {
      if (!socket.destroyed) destroyedByUs = true;
      socket.destroy();
    },
    closed,
  };
  return upload;
}

/** Descriptors open in this process (the app under test runs in the jest process). */
export const openDescriptors = (): number => readdirSync('/proc/self/fd').length;

/** The status code of a raw HTTP response, or null when nothing was answered. */
export const statusOf = (response: string): number | null =>
  Number(/^HTTP\/1\.1 (\d{3})/.exec(response)?.[1] ?? NaN) || null;

/** The JSON body of a raw HTTP response (Content-Length framed, as Express sends it). */
export const jsonBodyOf = (response: string): unknown => JSON.parse(response.slice(response.indexOf('\r\n\r\n') + 4));
