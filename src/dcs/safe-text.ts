/**
 * Text from the far side (error messages, bodies, item excerpts) is shown to people, so it is
 * cut short and stripped of anything that could be a credential before it goes into an error,
 * an event or a report.
 */

/** A URL's query string is where pre-signed links keep their signature. */
const URL_QUERY = /(\b[a-z][a-z0-9+.-]*:\/\/[^\s?"'<>]*)\?[^\s"'<>]*/gi;

export function safeText(text: string, maxChars: number, secrets: readonly string[] = []): string {
  let out = text.replace(URL_QUERY, '$1?[redacted]');
  for (const secret of secrets) {
    if (secret.length > 0) out = out.split(secret).join('[redacted]');
  }
  out = out.replace(/\s+/g, ' ').trim();
  return out.length > maxChars ? `${out.slice(0, maxChars - 1)}…` : out;
}

/** A short, secret-free excerpt of a JSON value for a malformed-item report. */
export function excerpt(value: unknown, maxChars = 200): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return safeText(text, maxChars);
}
