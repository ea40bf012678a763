/**
 * Processes one large generated file (1 GB by default) through the real service and prints the peak resident
 * memory of the service process (VmHWM). Usage:
 *   npm run build && npx ts-node -T bench/large-file-memory.ts [--format txt|csv] [--megabytes 1000]
 */
import { spawn } from 'node:child_process';
import { createReadStream, createWriteStream, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { once } from 'node:events';

const args = process.argv.slice(2);
const option = (name: string, fallback: string) => {
  const index = args.indexOf(`--${name}`);
  return index >= 0 ? args[index + 1] : fallback;
};
const format = option('format', 'txt');
const megabytes = Number(option('megabytes', '1000'));
const port = Number(option('port', '3917'));

async function writeSample(file: string, bytes: number): Promise<void> {
  const out = createWriteStream(file);
  const line = format === 'csv' ? 'id,name,amount,when\n' : '';
  if (line) out.write(line);
  let written = line.length;
  let row = 0;
  while (written < bytes) {
    const chunk: string[] = [];
    for (let index = 0; index < 10_000; index++, row++) {
      chunk.push(
        format === 'csv'
          ? `${row},name ${row % 977},${(row * 1.25).toFixed(2)},2026-11-${String((row % 28) + 1).padStart(2, '0')}\n`
          : `line ${row} of a large text file for the memory benchmark\n`,
      );
    }
    const text = chunk.join('');
    written += Buffer.byteLength(text);
    if (!out.write(text)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

function peakRssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+) kB/.exec(status)![1]) / 1024;
}

async function upload(file: string): Promise<{ job: { id: string } }> {
  const boundary = `----bench${Date.now()}`;
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="large.${format}"\r\nContent-Type: application/octet-stream\r\n\r\n`,
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  const size = statSync(file).size;
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: '/files',
        method: 'POST',
        headers: {
          'content-type': `multipart/form-data; boundary=${boundary}`,
          'content-length': head.length + size + tail.length,
        },
      },
      (res) => {
        let body = '';
        res.on('data', (chunk) => (body += chunk));
        res.on('end', () =>
          res.statusCode === 201 ? resolve(JSON.parse(body)) : reject(new Error(`${res.statusCode} ${body}`)),
        );
      },
    );
    req.on('error', reject);
    req.write(head);
    const stream = createReadStream(file);
    stream.pipe(req, { end: false });
    stream.on('end', () => req.end(tail));
  });
}

async function jobStatus(
  id: string,
): Promise<{ status: string; metadata: Record<string, unknown> | null; errorMessage: string | null }> {
  const response = await fetch(`http://127.0.0.1:${port}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      query: `query($id: ID!) { job(id: $id) { status metadata errorMessage } }`,
      variables: { id },
    }),
  });
  return ((await response.json()) as { data: { job: never } }).data.job;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'file-jobs-memory-'));
  const file = path.join(dir, `large.${format}`);
  try {
    process.stdout.write(`writing a ${megabytes} MB ${format} file... `);
    await writeSample(file, megabytes * 1_000_000);
    console.log('done');
    const service = spawn(process.execPath, ['dist/main.js'], {
      env: {
        ...process.env,
        PORT: String(port),
        DATABASE_URL: `file:${dir}/queue.db`,
        STORAGE_DIR: `${dir}/files`,
        MAX_UPLOAD_BYTES: String(2 * 1024 ** 3),
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    try {
      for (let attempt = 0; ; attempt++) {
        if (
          await fetch(`http://127.0.0.1:${port}/health`).then(
            () => true,
            () => false,
          )
        )
          break;
        if (attempt > 100) throw new Error('service did not start');
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      const started = Date.now();
      const { job } = await upload(file);
      const uploadedMs = Date.now() - started;
      let current = await jobStatus(job.id);
      while (!['COMPLETED', 'FAILED'].includes(current.status)) {
        await new Promise((resolve) => setTimeout(resolve, 500));
        current = await jobStatus(job.id);
      }
      const totalMs = Date.now() - started;
      console.table({
        format,
        fileMB: megabytes,
        status: current.status,
        uploadSeconds: (uploadedMs / 1000).toFixed(1),
        processSeconds: ((totalMs - uploadedMs) / 1000).toFixed(1),
        peakRssMB: peakRssMb(service.pid!).toFixed(0),
        limitMB: 300,
      });
      if (current.status !== 'COMPLETED') console.log(current.errorMessage);
      else console.log('metadata:', JSON.stringify(current.metadata));
    } finally {
      service.kill('SIGTERM');
      await once(service, 'exit');
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

void main();
