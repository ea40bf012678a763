import { JobPriority } from '../common/job.enums';
import { jsonProblem } from '../common/validation';
import { MAX_RETRIES_LIMIT } from '../jobs/dto/enqueue-job.input';
import { FilesErrorCode, FilesException } from './files.exception';

/** The optional form fields of POST /files, parsed and checked. */
export interface UploadFields {
  priority: JobPriority;
  maxRetries?: number;
  options?: Record<string, unknown>;
  enqueue: boolean;
}

const KNOWN_FIELDS = new Set(['priority', 'maxRetries', 'options', 'enqueue']);

function invalid(message: string): FilesException {
  return new FilesException(FilesErrorCode.INVALID_FIELD, message);
}

export function parseUploadFields(fields: Map<string, string>): UploadFields {
  for (const name of fields.keys()) {
    if (!KNOWN_FIELDS.has(name))
      throw invalid(`Unknown field "${name}" (expected file, ${[...KNOWN_FIELDS].join(', ')})`);
  }
  const parsed: UploadFields = { priority: JobPriority.NORMAL, enqueue: true };
  const priority = fields.get('priority');
  if (priority !== undefined) {
    const value = priority.trim().toUpperCase();
    if (!(value in JobPriority)) throw invalid(`priority must be LOW, NORMAL or HIGH, not "${priority}"`);
    parsed.priority = value as JobPriority;
  }
  const maxRetries = fields.get('maxRetries');
  if (maxRetries !== undefined) {
    const value = Number(maxRetries);
    if (!/^\d+$/.test(maxRetries.trim()) || value > MAX_RETRIES_LIMIT) {
      throw invalid(`maxRetries must be a whole number from 0 to ${MAX_RETRIES_LIMIT}, not "${maxRetries}"`);
    }
    parsed.maxRetries = value;
  }
  const options = fields.get('options');
  if (options !== undefined) {
    let value: unknown;
    try {
      value = JSON.parse(options);
    } catch (error) {
      throw invalid(`options must be JSON text: ${(error as Error).message}`);
    }
    if (!value || typeof value !== 'object' || Array.isArray(value)) throw invalid('options must be a JSON object');
    const problem = jsonProblem(value, 'options');
    if (problem) throw invalid(problem);
    parsed.options = value as Record<string, unknown>;
  }
  const enqueue = fields.get('enqueue');
  if (enqueue !== undefined) {
    if (!/^(true|false)$/i.test(enqueue.trim())) throw invalid(`enqueue must be true or false, not "${enqueue}"`);
    parsed.enqueue = enqueue.trim().toLowerCase() === 'true';
  }
  return parsed;
}
