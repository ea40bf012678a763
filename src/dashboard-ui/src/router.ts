import { useEffect, useState } from 'preact/hooks';

/** The app's base (vite's `base`), so links work wherever the service mounts it. */
const BASE = import.meta.env.BASE_URL.replace(/\/$/, '');

/** The path inside the dashboard: '/' for the overview, '/jobs/<id>' for a job. */
function currentPath(): string {
  const path = location.pathname.startsWith(BASE) ? location.pathname.slice(BASE.length) : location.pathname;
  return path || '/';
}

export function href(path: string): string {
  return `${BASE}${path}`;
}

export function navigate(path: string): void {
  history.pushState(null, '', href(path));
  dispatchEvent(new PopStateEvent('popstate'));
}

export function usePath(): string {
  const [path, setPath] = useState(currentPath);
  useEffect(() => {
    const onChange = () => setPath(currentPath());
    addEventListener('popstate', onChange);
    return () => removeEventListener('popstate', onChange);
  }, []);
  return path;
}

/** A plain link that the router follows without a page load (a modified click still opens a new tab). */
export function followLink(event: MouseEvent, path: string): void {
  if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  event.preventDefault();
  navigate(path);
}
