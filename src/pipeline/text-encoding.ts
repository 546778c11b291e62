/**
 * The input must be UTF-8 (or ASCII). A UTF-16 or UTF-32 file (Excel's "Unicode Text", some
 * Windows exports) would otherwise be read byte by byte: its header is names interleaved with
 * NUL bytes, and the run ends in a puzzling "column is not in the header". Its byte order mark
 * says what it is.
 */
import { AudiencePipeError } from '../errors/errors.js';

/** Longest first: the UTF-32 LE mark begins with the UTF-16 LE one. */
const MARKS: ReadonlyArray<[name: string, bytes: readonly number[]]> = [
  ['UTF-32 LE', [0xff, 0xfe, 0x00, 0x00]],
  ['UTF-32 BE', [0x00, 0x00, 0xfe, 0xff]],
  ['UTF-16 LE', [0xff, 0xfe]],
  ['UTF-16 BE', [0xfe, 0xff]],
];

/** Throws (exit 2, ERR_INPUT_ENCODING) when `start`, the first bytes of an input, carry a UTF-16 or UTF-32 BOM. */
export function checkTextEncoding(start: Uint8Array, inputName: string): void {
  const found = MARKS.find(([, mark]) => start.length >= mark.length && mark.every((b, i) => start[i] === b));
  if (found === undefined) return;
  const iconv = `iconv -f ${found[0].replace(' ', '')} -t UTF-8`;
  throw new AudiencePipeError(
    'ERR_INPUT_ENCODING',
    `${inputName}: the file is ${found[0]} (it starts with that byte order mark); audience-pipe reads UTF-8: convert it first, e.g. ${iconv} < in.csv > in-utf8.csv`,
  );
}
