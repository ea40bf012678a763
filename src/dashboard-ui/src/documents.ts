import { gql } from '@urql/core';

/** What a row of the jobs table and the top of a job page show. */
const JOB_SUMMARY = gql`
  fragment JobSummary on ProcessingJob {
    id
    fileName
    format
    priority
    status
    stage
    progress
    fileSize
    bytesProcessed
    createdAt
    errorCode
    errorMessage
  }
`;

export const OVERVIEW = gql`
  query Overview {
    queueHealth {
      status
      issues
      stalledCount
      oldestPendingAgeMs
      checkedAt
    }
    jobStats {
      total
      byStatus {
        status
        count
      }
      successRate
      systemSuccessRate
      averageProcessingTimeMs
      averageQueueTimeMs
      throughput {
        lastHour
        last24Hours
        last7Days
      }
      errors {
        code
        count
        lastSeenAt
      }
    }
  }
`;

export const HEALTH_CHANGED = gql`
  subscription HealthChanged {
    queueHealthChanged {
      status
      issues
      stalledCount
      oldestPendingAgeMs
      checkedAt
    }
  }
`;

export const OUTCOMES = gql`
  query Outcomes($hours: Int!, $bucketMinutes: Int!) {
    jobOutcomes(hours: $hours, bucketMinutes: $bucketMinutes) {
      start
      completed
      failed
    }
  }
`;

export const JOBS = gql`
  query Jobs($filter: JobFilter, $after: String) {
    jobs(filter: $filter, first: 20, after: $after) {
      totalCount
      edges {
        cursor
        node {
          ...JobSummary
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
  ${JOB_SUMMARY}
`;

export const JOB_UPDATED = gql`
  subscription JobUpdated {
    jobUpdated {
      ...JobSummary
    }
  }
  ${JOB_SUMMARY}
`;

export const JOB = gql`
  query Job($id: ID!) {
    job(id: $id) {
      ...JobSummary
      fileId
      userId
      updatedAt
      startedAt
      completedAt
      runAt
      lastRetryAt
      nextRetryAt
      retryCount
      maxRetries
      estimatedDuration
      actualDuration
      errorRecoverable
      options
      result
      metadata
      extractedText
      attempts {
        number
        outcome
        manual
        startedAt
        finishedAt
        workerId
        errorCode
        errorMessage
      }
    }
  }
  ${JOB_SUMMARY}
`;

export const JOB_PROGRESS = gql`
  subscription JobProgress($jobId: ID!) {
    jobProgress(jobId: $jobId) {
      at
      status
      stage
      progress
      bytesProcessed
      totalBytes
      message
    }
  }
`;

export const CANCEL = gql`
  mutation Cancel($id: ID!) {
    cancelJob(id: $id) {
      id
      status
    }
  }
`;

export const RETRY = gql`
  mutation Retry($id: ID!) {
    retryJob(id: $id) {
      id
      status
    }
  }
`;

export const ENQUEUE_AGAIN = gql`
  mutation EnqueueAgain($fileId: ID!, $priority: JobPriority) {
    enqueueJob(input: { fileId: $fileId, priority: $priority }) {
      id
    }
  }
`;

export const STALLED = gql`
  query Stalled {
    stalledJobs {
      id
      fileName
      startedAt
      updatedAt
    }
  }
`;

export const RECOVER = gql`
  mutation Recover {
    recoverStalledJobs
  }
`;

export const CLEANUP = gql`
  mutation Cleanup($olderThanHours: Int) {
    cleanupJobs(olderThanHours: $olderThanHours)
  }
`;
