/** One field of a multipart/form-data body: a file's content is a view of the body, not a copy. */
export interface MultipartField {
  filename: string | undefined;
  content: Buffer;
}

/**
 * The fields of a multipart/form-data body (RFC 7578), by name. Parsing it in place keeps one copy of an upload in
 * memory, where undici's `Request.formData()` makes several of a batch file of up to 200 MB. Throws on a body
 * that is not multipart/form-data of the given content type.
 */
export function parseMultipart(body: Buffer, contentType: string): Map<string, MultipartField> {
  const boundary = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType);
  const name = boundary?.[1] ?? boundary?.[2];
  if (name === undefined) throw new Error('no boundary in the content type');
  const delimiter = Buffer.from(`--${name}`);
  const fields = new Map<string, MultipartField>();
  let start = body.indexOf(delimiter);
  if (start < 0) throw new Error('no part delimiter in the body');
  for (;;) {
    start += delimiter.length;
    if (body.subarray(start, start + 2).toString('latin1') === '--') return fields;
    const headersEnd = body.indexOf('\r\n\r\n', start);
    const next = body.indexOf(Buffer.concat([Buffer.from('\r\n'), delimiter]), headersEnd);
    if (headersEnd < 0 || next < 0) throw new Error('a part is cut short');
    const headers = body.subarray(start, headersEnd).toString('utf8');
    const disposition = /content-disposition:[^\r\n]*/i.exec(headers)?.[0] ?? '';
    const fieldName = /\bname="([^"]*)"/i.exec(disposition)?.[1];
    if (fieldName === undefined) throw new Error('a part has no name');
    fields.set(fieldName, { filename: /\bfilename="([^"]*)"/i.exec(disposition)?.[1], content: body.subarray(headersEnd + 4, next) });
    start = next + 2;
  }
}
