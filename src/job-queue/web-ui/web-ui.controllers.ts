import { Controller, Get, Headers, Inject, Param, Res } from '@nestjs/common';
import type { Response } from 'express';
import { BuiltUi } from './built-ui';

export const DASHBOARD_UI = Symbol('DASHBOARD_UI');
export const EXPLORER_UI = Symbol('EXPLORER_UI');

/** The route itself and everything below it (`*path`: express gives the segments, decoded). */
const EVERY_PATH = ['', '*path'];

/** The dashboard at /dashboard: its files, and index.html for the paths of its client-side router. */
@Controller('dashboard')
export class DashboardController {
  constructor(@Inject(DASHBOARD_UI) private readonly ui: BuiltUi) {}

  @Get(EVERY_PATH)
  serve(@Param('path') path: string[] | undefined, @Headers('host') host: string, @Res() response: Response): void {
    this.ui.serve(path ?? [], host, response);
  }
}

/** GraphiQL at /graphiql. */
@Controller('graphiql')
export class ExplorerController {
  constructor(@Inject(EXPLORER_UI) private readonly ui: BuiltUi) {}

  @Get(EVERY_PATH)
  serve(@Param('path') path: string[] | undefined, @Headers('host') host: string, @Res() response: Response): void {
    this.ui.serve(path ?? [], host, response);
  }
}
