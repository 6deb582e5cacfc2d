// base64.StdEncoding.DecodeString's verdict (Go src/encoding/base64), which decoding a JSON string into a
// []byte field applies.

/** The offset of the first illegal byte, or -1 when s is valid standard base64. */
export function illegalBase64At(s: string): number {
  // encoding/base64 skips \r and \n.
  const text = s.includes('\r') || s.includes('\n') ? s.replace(/[\r\n]/g, '') : s;
  const m = /[^A-Za-z0-9+/=]/.exec(text);
  if (m) return m.index;
  const pad = text.indexOf('=');
  if (pad >= 0) {
    const tail = text.slice(pad);
    if (!/^={1,2}$/.test(tail) || text.length % 4 !== 0 || pad < text.length - 2 || pad % 4 < 2) return pad;
    return -1;
  }
  // An incomplete last quantum is reported at its start.
  return text.length % 4 !== 0 ? text.length - (text.length % 4) : -1;
}
