import {
  type DynamicModule,
  Inject,
  Logger,
  Module,
  type OnModuleInit,
  type Provider,
  type Type,
} from '@nestjs/common';
import { join } from 'node:path';
import { BuiltUi } from './built-ui';
import { DASHBOARD_UI, DashboardController, EXPLORER_UI, ExplorerController } from './web-ui.controllers';
import { packageRoot } from './package-root';

/** The folder holding the Vite builds (dashboard/, graphiql/): the package's dist/. A test may provide another. */
export const WEB_UI_DIST = Symbol('WEB_UI_DIST');

/** The UIs this app serves (BuiltUi[]): what the start-up log names. */
export const WEB_UI_SERVED = Symbol('WEB_UI_SERVED');

export interface WebUiSelection {
  dashboard: boolean;
  explorer: boolean;
}

const UIS = [
  {
    key: 'dashboard',
    token: DASHBOARD_UI,
    controller: DashboardController,
    settings: { title: 'The dashboard', route: 'dashboard', spaFallback: true, inlineStyles: false },
  },
  {
    key: 'explorer',
    token: EXPLORER_UI,
    controller: ExplorerController,
    settings: { title: 'GraphiQL', route: 'graphiql', spaFallback: false, inlineStyles: true },
  },
] as const;

/**
 * Serves the browser apps built into the package: the dashboard at /dashboard and GraphiQL at /graphiql, each left
 * out when its option is false. A missing build answers 503 (and is logged once here) rather than stopping start-up:
 * the API works without its UIs.
 */
@Module({})
export class WebUiModule implements OnModuleInit {
  private static readonly logger = new Logger('WebUi');

  constructor(@Inject(WEB_UI_SERVED) private readonly served: BuiltUi[]) {}

  static forRoot(selection: WebUiSelection): DynamicModule {
    const chosen = UIS.filter((ui) => selection[ui.key]);
    const providers: Provider[] = [
      { provide: WEB_UI_DIST, useFactory: () => join(packageRoot(), 'dist') },
      ...chosen.map((ui) => ({
        provide: ui.token,
        inject: [WEB_UI_DIST],
        useFactory: (dist: string) => new BuiltUi({ ...ui.settings, dir: join(dist, ui.settings.route) }),
      })),
      { provide: WEB_UI_SERVED, inject: chosen.map((ui) => ui.token), useFactory: (...uis: BuiltUi[]) => uis },
    ];
    return {
      module: WebUiModule,
      controllers: chosen.map((ui): Type<unknown> => ui.controller),
      providers,
      exports: [WEB_UI_SERVED],
    };
  }

  onModuleInit(): void {
    for (const ui of this.served) if (!ui.built) WebUiModule.logger.warn(ui.missingMessage);
  }
}
