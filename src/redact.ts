/**
 * A URL fit for logs and errors: scheme, host and path only. A pre-signed link's query string is
 * a credential, user info in a URL is one too, and a fragment is never needed to say which file.
 */
export function redactUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // Nothing of an unparseable string is known to be safe to show.
    return '[unparseable URL]';
  }
  return `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
}
