/**
 * HTTP addresses without undici (which costs the process about 28 MB to load): what counts as
 * one, and how logs, errors and reports may show it.
 */

/** `--in` / `--out` names an HTTP(S) resource (`http://` is for loopback test servers). */
export const isHttpSpec = (spec: string): boolean => /^https?:\/\//i.test(spec);

/**
 * The URL as logs, errors and reports may show it: scheme, host and path only. The query (SAS
 * `sig=`, `X-Amz-Signature=`) and any user info are secrets and are dropped.
 */
export function redactUrl(url: string | URL): string {
  try {
    const u = typeof url === 'string' ? new URL(url) : url;
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return '<invalid url>';
  }
}
