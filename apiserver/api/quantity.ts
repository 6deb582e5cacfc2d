// The verdict of resource.ParseQuantity (k8s.io/apimachinery pkg/api/resource quantity.go: parseQuantityString,
// then the suffixer's interpret in suffix.go), with its error texts. Quantity.UnmarshalJSON hands it the JSON
// text between the quotes of a string, or the raw text of any other value, trimmed of white space.

/** resource.ErrFormatWrong's text. */
export const quantityFormatError = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
/** resource.ErrSuffix's text. */
export const quantitySuffixError = "unable to parse quantity's suffix";

const suffixChars = 'eEinumkKMGTP';
/** The binary (Ki … Ei) and decimal (n … E, and none) suffixes of suffix.go's newSuffixer. */
const namedSuffixes = new Set(['Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei', 'n', 'u', 'm', '', 'k', 'M', 'G', 'T', 'P', 'E']);

const isDigitAt = (s: string, i: number): boolean => {
  const c = s.charCodeAt(i);
  return c >= 0x30 && c <= 0x39;
};

/** The suffix of a quantity string, or undefined when it does not have the grammar (ErrFormatWrong). */
function suffixOf(str: string): string | undefined {
  const end = str.length;
  let pos = 0;
  if (str[0] === '-' || str[0] === '+') pos++;
  // Leading zeros, then the numerator.
  while (pos < end && isDigitAt(str, pos)) pos++;
  if (pos >= end) return '';
  if (str[pos] === '.') {
    pos++;
    while (pos < end && isDigitAt(str, pos)) pos++;
    if (pos >= end) return '';
  }
  const suffixStart = pos;
  while (pos < end && suffixChars.includes(str[pos] as string)) pos++;
  if (pos >= end) return str.slice(suffixStart);
  if (str[pos] === '-' || str[pos] === '+') pos++;
  while (pos < end && isDigitAt(str, pos)) pos++;
  return pos >= end ? str.slice(suffixStart) : undefined;
}

/** ParseQuantity(text)'s error text, or undefined when it parses. */
export function quantityParseError(text: string): string | undefined {
  const str = text.trim();
  if (str === '') return quantityFormatError;
  const suffix = suffixOf(str);
  if (suffix === undefined) return quantityFormatError;
  if (namedSuffixes.has(suffix)) return undefined;
  // A decimal exponent: e or E and an int64.
  if (suffix.length > 1 && (suffix[0] === 'e' || suffix[0] === 'E') && /^[-+]?\d{1,18}$/.test(suffix.slice(1))) return undefined;
  return quantitySuffixError;
}
