import { html, type Locale } from '../common';

export interface AvatarsPageView {
  /** The overlay's SSE stream with the wall first (`?wall=1`), relative to the page. */
  eventsUrl: string;
}

/**
 * The avatar wall for an OBS browser source: a transparent 1920×1080 page, fed by the same stream as the alert
 * page. Its script and style are static assets (`script-src 'self'`); the stream URL comes as a data attribute.
 */
export function avatarsPage(locale: Locale, view: AvatarsPageView): string {
  return `<!doctype html>${
    html`<html lang="${locale}">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=1920, height=1080" />
        <meta name="robots" content="noindex" />
        <title>Avatars</title>
        <link rel="stylesheet" href="/assets/avatars.css" />
      </head>
      <body>
        <div id="avatars" data-events-url="${view.eventsUrl}" data-state="connecting"></div>
        <script src="/assets/avatars.js" defer></script>
      </body>
    </html>`.value
  }`;
}
