import type { JobRecord } from '../common/job-record';

/**
 * Runs after a processor extracted text (stage ANALYZING); what it returns is stored as `result.analysis`.
 * Replace the local default with your own (an AI service, say) through the module's `analyzer` option.
 * A failure is recoverable: the extraction is kept and only the analysis runs again on the next attempt.
 */
export interface TextAnalyzer {
  analyze(input: { text: string; job: Readonly<JobRecord>; signal: AbortSignal }): Promise<Record<string, unknown>>;
}
