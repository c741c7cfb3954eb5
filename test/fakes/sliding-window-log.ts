export type Admission = { accepted: true } | { accepted: false; retryAfterMs: number };

/**
 * A rate limit over ANY sliding window, not fixed ones: a request at `now` is admitted while fewer than
 * `limit` admissions lie in `(now - windowMs, now]`. Limit and window are passed on every call, so a fake can
 * change them between requests; times are kept sorted, so a clock that steps back does not corrupt the count.
 */
export class SlidingWindowLog {
  private readonly admitted: number[] = [];

  admit(now: number, limit: number, windowMs: number): Admission {
    const end = this.firstIndexAfter(now);
    const start = this.firstIndexAfter(now - windowMs);
    if (end - start < limit) {
      this.admitted.splice(end, 0, now);
      return { accepted: true };
    }
    const freesAt = limit > 0 ? this.admitted[end - limit] + windowMs : now + windowMs;
    return { accepted: false, retryAfterMs: freesAt - now };
  }

  /** Every admission, oldest first. */
  times(): number[] {
    return [...this.admitted];
  }

  private firstIndexAfter(time: number): number {
    let low = 0;
    let high = this.admitted.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.admitted[middle] <= time) {
        low = middle + 1;
      } else {
        high = middle;
      }
    }
    return low;
  }
}
