import { registerEnumType } from '@nestjs/graphql';
import { JobPriority, JobStatus, ProcessingStage } from '../../common/job.enums';

registerEnumType(JobStatus, { name: 'JobStatus' });
registerEnumType(JobPriority, { name: 'JobPriority' });
registerEnumType(ProcessingStage, { name: 'ProcessingStage' });

export { JobPriority, JobStatus, ProcessingStage };
