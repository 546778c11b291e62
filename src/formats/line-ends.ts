/**
 * The line-end bytes every record format counts lines by, and the count itself: the chunker (any
 * format) numbers lines with them, so they are no one format's. Imports nothing.
 */
export const LF = 0x0a;
export const CR = 0x0d;

/** Line ends (LF, or CR for CR files) in buf[start, end), found with memchr. */
export function countLineFeeds(buf: Buffer, start = 0, end = buf.length, eol = LF): number {
  let n = 0;
  for (let i = buf.indexOf(eol, start); i !== -1 && i < end; i = buf.indexOf(eol, i + 1)) n++;
  return n;
}
