import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { NestExpressApplication } from '@nestjs/platform-express';

/** Where the pages load their scripts and styles from: `/assets/<file>` is `src/web/public/<file>`. */
const ASSETS_URL_PREFIX = '/assets';

/**
 * The folder of the pages' browser files, found in the source tree from the project root (the nearest folder
 * above with a package.json). tsc copies no .js or .css, and this module runs compiled from dist/ (`npm start`)
 * and dist-bench/ (benchmarks) as well as from source (Jest): one folder serves all three, with no copy step
 * to forget and no stale copy. A deployment ships src/web/public along with dist/.
 */
export function publicAssetsDir(from: string = __dirname): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) {
      return join(dir, 'src', 'web', 'public');
    }
    if (dirname(dir) === dir) {
      throw new Error(`No package.json in ${from} or above it`);
    }
  }
}

/**
 * Serves the browser files at `/assets/`. The URLs carry no version, so browsers keep a file for an hour and
 * then revalidate it with its (weak) ETag or Last-Modified, getting a 304 when it has not changed. Anything
 * else under `/assets/` falls through to the usual JSON 404.
 */
export function servePublicAssets(app: NestExpressApplication): void {
  app.useStaticAssets(publicAssetsDir(), {
    prefix: ASSETS_URL_PREFIX,
    maxAge: '1h',
    etag: true,
    lastModified: true,
    index: false,
    redirect: false,
    dotfiles: 'ignore',
  });
}
