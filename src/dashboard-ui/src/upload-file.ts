import { inWords } from './errors';
import { authorization } from './session';

export interface UploadResult {
  jobId?: string;
  error?: string;
}

/**
 * POST /files as multipart through XMLHttpRequest, whose upload events give progress (fetch has none for request
 * bodies). Same origin, so the service's Origin check lets it through; errors come back in words.
 */
export function uploadFile(
  file: File,
  priority: string,
  token: string | null,
  onProgress: (fraction: number) => void,
): Promise<UploadResult> {
  return new Promise((resolve) => {
    const form = new FormData();
    form.append('priority', priority);
    form.append('file', file, file.name);
    const request = new XMLHttpRequest();
    request.open('POST', '/files');
    for (const [name, value] of Object.entries(authorization(token))) request.setRequestHeader(name, value);
    request.responseType = 'json';
    request.upload.onprogress = (event) => event.lengthComputable && onProgress(event.loaded / event.total);
    request.onload = () => {
      const body = request.response as { job?: { id: string }; code?: string; message?: string } | null;
      if (request.status >= 200 && request.status < 300 && body?.job) return resolve({ jobId: body.job.id });
      resolve({ error: inWords(body?.code, body?.message ?? `The upload was refused (HTTP ${request.status}).`) });
    };
    request.onerror = () => resolve({ error: 'The upload could not reach the service.' });
    request.send(form);
  });
}
