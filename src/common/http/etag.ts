/** `If-None-Match` holds `etag`: one entity tag of a list, weak or strong (RFC 9110 §13.1.2), or `*`. */
export function ifNoneMatchHolds(ifNoneMatch: string | undefined, etag: string): boolean {
  return (ifNoneMatch ?? '')
    .split(',')
    .map((tag) => tag.trim().replace(/^W\//, ''))
    .some((tag) => tag === etag || tag === '*');
}
