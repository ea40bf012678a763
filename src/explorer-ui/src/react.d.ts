/**
 * The little of React's API this app calls. React 19 ships no types of its own and @types/react is not among the
 * project's dependencies; with it installed, this file goes. GraphiQL's own declarations read FC, ReactNode and
 * ComponentPropsWithoutRef from here, so its props are still checked.
 */
declare module 'react' {
  export type ReactNode = object | string | number | boolean | null | undefined;
  export type FC<P = object> = (props: P) => ReactNode;
  export type ComponentPropsWithoutRef<T> = T extends (props: infer P) => unknown ? P : never;
  export const StrictMode: FC<{ children?: ReactNode }>;
  export function createElement<P extends object>(type: FC<P>, props: P, ...children: ReactNode[]): ReactNode;
}

declare module 'react-dom/client' {
  import type { ReactNode } from 'react';
  export function createRoot(container: Element): { render(children: ReactNode): void };
}
