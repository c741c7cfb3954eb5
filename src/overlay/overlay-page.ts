import { html } from '../common';
import { MESSAGES, type Locale } from '../common';

export interface OverlayPageView {
  /** The SSE stream of this overlay, relative to the page. */
  eventsUrl: string;
  /** Where the streamer's uploaded images and sounds are: `<mediaUrl>/<id>`. */
  mediaUrl: string;
  /** Where a donation's spoken text is: `<ttsUrl>/<donationId>`. */
  ttsUrl: string;
  /** Only for alerts stored before they carried a view (their own duration). */
  alertDurationMs: number;
}

/**
 * The OBS browser source: a transparent 1920×1080 stage. Everything it needs comes from data attributes, so
 * the script can stay a static asset under the `script-src 'self'` policy.
 */
export function overlayPage(locale: Locale, view: OverlayPageView): string {
  const t = MESSAGES[locale];
  return `<!doctype html>${
    html`<html lang="${locale}">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=1920, height=1080" />
        <meta name="robots" content="noindex" />
        <title>Overlay</title>
        <link rel="stylesheet" href="/assets/overlay.css" />
      </head>
      <body>
        <div
          id="overlay"
          data-events-url="${view.eventsUrl}"
          data-media-url="${view.mediaUrl}"
          data-tts-url="${view.ttsUrl}"
          data-duration-ms="${view.alertDurationMs}"
          data-anonymous="${t.anonymousDonor}"
          data-test-label="${t.testAlertBadge}"
          data-state="connecting"
        ></div>
        <script src="/assets/overlay.js" defer></script>
      </body>
    </html>`.value
  }`;
}
