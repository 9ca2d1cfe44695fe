/**
 * The shapes of answers: DCS JSON errors, OBS XML errors, and the sizes real services send.
 * Handlers return an `Answer` value; only the server writes to sockets.
 */

export interface Answer {
  status: number;
  headers?: Record<string, string>;
  /** Absent for 204 and HEAD. */
  body?: Buffer;
}

const JSON_TYPE = 'application/json;charset=UTF-8';

export function json(status: number, value: unknown): Answer {
  return { status, headers: { 'Content-Type': JSON_TYPE }, body: Buffer.from(JSON.stringify(value), 'utf8') };
}

export function noContent(): Answer {
  return { status: 204 };
}

/** Every DCS (and APIG) error has exactly these three fields. */
export function dcsError(status: number, code: string, message: string, headers: Record<string, string> = {}): Answer {
  const answer = json(status, { error_code: code, error_msg: message, error_ext_msg: null });
  return { ...answer, headers: { ...answer.headers, ...headers } };
}

function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** OBS/S3-style error; it never echoes the query (real S3 echoes the signature, which would leak it). */
export function xmlError(status: number, code: string, message: string, requestId: string): Answer {
  const body =
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<Error><Code>${escapeXml(code)}</Code><Message>${escapeXml(message)}</Message>` +
    `<RequestId>${escapeXml(requestId)}</RequestId><HostId>sim-obs</HostId></Error>`;
  return { status, headers: { 'Content-Type': 'application/xml' }, body: Buffer.from(body, 'utf8') };
}

export const HUGE_ERROR_BODY_BYTES = 5 * 1024 * 1024;

let hugeJson: Buffer | undefined;
let hugeXml: Buffer | undefined;

/** A valid but absurd 5 MiB error, to prove a client caps what it reads from error bodies. */
export function hugeErrorBody(xml: boolean): Answer {
  if (xml) {
    hugeXml ??= Buffer.from(
      `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>InternalError</Code><Message>${'x'.repeat(HUGE_ERROR_BODY_BYTES)}</Message></Error>`,
    );
    return { status: 500, headers: { 'Content-Type': 'application/xml' }, body: hugeXml };
  }
  hugeJson ??= Buffer.from(JSON.stringify({ error_code: '111500000', error_msg: 'x'.repeat(HUGE_ERROR_BODY_BYTES), error_ext_msg: null }));
  return { status: 500, headers: { 'Content-Type': JSON_TYPE }, body: hugeJson };
}

/** What a misbehaving proxy in front of the API sends: a 200 labelled JSON that is not. */
export function malformedJson(): Answer {
  return {
    status: 200,
    headers: { 'Content-Type': JSON_TYPE },
    body: Buffer.from('<html><head><title>502 Bad Gateway</title></head><body>upstream reset</body></html>\n'),
  };
}
