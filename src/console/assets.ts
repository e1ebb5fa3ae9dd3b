import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// The console's scripts and styles: htmx and Chart.js from their installed npm packages, and
// the console's own two files (copied beside the compiled code by `npm run build`). All are
// read once at start and served from /console/assets/ under names that carry a hash of their
// content, so a browser may keep them for good and nothing is fetched from anywhere else.

export interface Asset {
  /** The URL path, e.g. /console/assets/htmx.1a2b3c4d.js. */
  path: string;
  type: string;
  body: Buffer;
}

const require = createRequire(import.meta.url);
const here = dirname(fileURLToPath(import.meta.url));

const SOURCES: Record<string, () => string> = {
  'htmx.js': () => require.resolve('htmx.org/dist/htmx.min.js'),
  // chart.js exports only its modules; the browser build sits beside them.
  'chart.js': () => join(dirname(require.resolve('chart.js')), 'chart.umd.min.js'),
  'console.js': () => join(here, 'assets', 'console.js'),
  'console.css': () => join(here, 'assets', 'console.css'),
};

export type AssetName = keyof typeof SOURCES;

export class Assets {
  private readonly byName = new Map<string, Asset>();
  private readonly byPath = new Map<string, Asset>();

  constructor() {
    for (const [name, locate] of Object.entries(SOURCES)) {
      const body = readFileSync(locate());
      const hash = createHash('sha256').update(body).digest('hex').slice(0, 10);
      const [base, ext] = name.split('.');
      const asset = { path: `/console/assets/${base}.${hash}.${ext}`, type: ext === 'css' ? 'text/css; charset=utf-8' : 'text/javascript; charset=utf-8', body };
      this.byName.set(name, asset);
      this.byPath.set(asset.path, asset);
    }
  }

  url(name: AssetName): string {
    return this.byName.get(name)!.path;
  }

  find(path: string): Asset | undefined {
    return this.byPath.get(path);
  }
}
