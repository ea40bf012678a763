import { ValidationPipe } from '@nestjs/common';

/** Validates and transforms GraphQL args and inputs by their class-validator decorators (BAD_USER_INPUT on failure). */
export const validationPipe = new ValidationPipe({ transform: true, forbidUnknownValues: false });
