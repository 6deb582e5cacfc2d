// The verdicts of Go's time.Parse for the two layouts meta/v1 Time and MicroTime unmarshal with (RFC3339 and
// RFC3339Micro, k8s.io/apimachinery pkg/apis/meta/v1 time.go, micro_time.go), with the texts of its
// ParseError (Go src/time/format.go), and of time.ParseDuration (meta/v1 duration.go).

export const rfc3339Layout = '2006-01-02T15:04:05Z07:00';
export const rfc3339MicroLayout = '2006-01-02T15:04:05.000000Z07:00';

/** Go's quote() of a ParseError: a double-quoted string with Go's escapes for quotes and backslashes. */
const quote = (s: string): string => JSON.stringify(s);

const isDigit = (s: string, i: number): boolean => {
  const c = s.charCodeAt(i);
  return c >= 0x30 && c <= 0x39;
};

/** getnum: one or two leading digits (exactly two when fixed); undefined when the value does not start so. */
function getnum(s: string, fixed: boolean): [number, string] | undefined {
  if (!isDigit(s, 0)) return undefined;
  if (!isDigit(s, 1)) return fixed ? undefined : [s.charCodeAt(0) - 0x30, s.slice(1)];
  return [(s.charCodeAt(0) - 0x30) * 10 + (s.charCodeAt(1) - 0x30), s.slice(2)];
}

const daysIn = (month: number, year: number): number => {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
};

type Chunk = { prefix: string; std: string };

/** The layouts as Go's nextStdChunk splits them: a literal prefix before each standard element. */
const chunks = (micro: boolean): Chunk[] => [
  { prefix: '', std: '2006' },
  { prefix: '-', std: '01' },
  { prefix: '-', std: '02' },
  { prefix: 'T', std: '15' },
  { prefix: ':', std: '04' },
  { prefix: ':', std: '05' },
  ...(micro ? [{ prefix: '', std: '.000000' }] : []),
  { prefix: '', std: 'Z07:00' },
];
const rfc3339Chunks = chunks(false);
const microChunks = chunks(true);

/**
 * time.Parse(layout, value) for RFC3339 (micro false) or RFC3339Micro (micro true): undefined when it parses,
 * else Go's error text, e.g. `parsing time "x" as "2006-01-02T15:04:05Z07:00": cannot parse "x" as "2006"`.
 */
export function goTimeParseError(value: string, micro: boolean): string | undefined {
  const layout = micro ? rfc3339MicroLayout : rfc3339Layout;
  const cannot = (valueElem: string, layoutElem: string): string => `parsing time ${quote(value)} as ${quote(layout)}: cannot parse ${quote(valueElem)} as ${quote(layoutElem)}`;
  const outOfRange = (what: string): string => `parsing time ${quote(value)}: ${what} out of range`;
  let rest = value;
  let year = 0;
  let month = 0;
  let day = 0;
  for (const { prefix, std } of micro ? microChunks : rfc3339Chunks) {
    if (!rest.startsWith(prefix)) return cannot(rest, prefix);
    rest = rest.slice(prefix.length);
    const hold = rest;
    let range: string | undefined;
    let bad = false;
    if (std === '2006') {
      if (rest.length < 4 || ![0, 1, 2, 3].every((i) => isDigit(rest, i))) bad = true;
      else {
        year = Number(rest.slice(0, 4));
        rest = rest.slice(4);
      }
    } else if (std === 'Z07:00') {
      if (rest.startsWith('Z')) rest = rest.slice(1);
      else if (rest.length < 6 || rest[3] !== ':' || (rest[0] !== '+' && rest[0] !== '-')) bad = true;
      else {
        const hh = getnum(rest.slice(1, 3), true);
        const mm = getnum(rest.slice(4, 6), true);
        if (!hh || !mm) bad = true;
        else if (hh[0] > 24) range = 'time zone offset hour';
        else if (mm[0] > 60) range = 'time zone offset minute';
        rest = rest.slice(6);
      }
    } else if (std === '.000000') {
      // stdFracSecond0: exactly as many digits as the layout has.
      if (rest.length < 7 || (rest[0] !== '.' && rest[0] !== ',') || ![1, 2, 3, 4, 5, 6].every((i) => isDigit(rest, i))) bad = true;
      else rest = rest.slice(7);
    } else {
      // 01 month, 02 day, 04 minute, 05 second take two digits; 15 (hour) one or two.
      const n = getnum(rest, std !== '15');
      if (!n) bad = true;
      else {
        rest = n[1];
        if (std === '01') {
          month = n[0];
          if (month < 1 || month > 12) range = 'month';
        } else if (std === '02') day = n[0];
        else if (std === '15' && n[0] >= 24) range = 'hour';
        else if (std === '04' && n[0] >= 60) range = 'minute';
        else if (std === '05') {
          if (n[0] >= 60) range = 'second';
          else if (!micro && rest.length >= 2 && (rest[0] === '.' || rest[0] === ',') && isDigit(rest, 1)) {
            // A fractional second the layout does not name is accepted after the seconds.
            let i = 2;
            while (i < rest.length && isDigit(rest, i)) i++;
            rest = rest.slice(i);
          }
        }
      }
    }
    if (range) return outOfRange(range);
    if (bad) return cannot(hold, std);
  }
  if (rest.length > 0) return `parsing time ${quote(value)}: extra text: ${quote(rest)}`;
  if (day < 1 || day > daysIn(month, year)) return outOfRange('day');
  return undefined;
}

/** time.ParseDuration's grammar: [-+]? then one or more decimal numbers, each with a unit; or "0". */
const durationPattern = /^[-+]?(0|((\d+(\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h))+)$/;

/** time.ParseDuration(s)'s error text, or undefined when s parses. */
export function goDurationParseError(s: string): string | undefined {
  return durationPattern.test(s) ? undefined : `time: invalid duration ${quote(s)}`;
}
