/**
 * Letters in a phone value (worker-side, pure). libphonenumber-js reads `+49 16 41 ADN G` as
 * `+491641`: it cuts the text at the first character that cannot belong to a number and calls the
 * prefix possible, so a hash of a number that is not in the record would be written. Our rule,
 * a stated exception to "the library's answer": a letter anywhere but in an extension label
 * makes the value invalid.
 *
 * The extension is recognised as the library recognises it: its pattern
 * (libphonenumber-js source/helpers/extension/createExtensionPattern.js, itself Google's
 * libphonenumber), matched at the end of the text as its extractExtension() does. The library's
 * pattern is not exported, hence the copy; test/phone-letters.test.ts checks it against parse().
 */

const DIGITS = '0-9\uFF10-\uFF19\u0660-\u0669\u06F0-\u06F9';
const digitsUpTo = (max: number): string => `([${DIGITS}]{1,${max}})`;
const SEPARATORS = '[ \u00A0\\t,]*';
const AFTER_LABEL = '[:\\.\uFF0E]?[ \u00A0\\t,-]*';
const SUFFIX = '#?';
const EXPLICIT_LABELS = '(?:e?xt(?:ensi(?:o\u0301?|\u00F3))?n?|\uFF45?\uFF58\uFF54\uFF4E?|\u0434\u043E\u0431|anexo)';
const AMBIGUOUS_LABELS = '(?:[x\uFF58#\uFF03~\uFF5E]|int|\uFF49\uFF4E\uFF54)';
const SEPARATORS_NO_COMMA = '[ \u00A0\\t]*';

const EXTENSION_PATTERN = new RegExp(
  '(?:' +
    [
      ';ext=' + digitsUpTo(20),
      SEPARATORS + EXPLICIT_LABELS + AFTER_LABEL + digitsUpTo(20) + SUFFIX,
      SEPARATORS + AMBIGUOUS_LABELS + AFTER_LABEL + digitsUpTo(9) + SUFFIX,
      '[- ]+' + digitsUpTo(6) + '#',
      SEPARATORS_NO_COMMA + '(?:,{2}|;)' + AFTER_LABEL + digitsUpTo(15) + SUFFIX,
      SEPARATORS_NO_COMMA + '(?:,)+' + AFTER_LABEL + digitsUpTo(9) + SUFFIX,
    ].join('|') +
    ')$',
  'i',
);

/** What the library cuts off the end before it looks for an extension (parse.js). */
const AFTER_NUMBER_END = new RegExp(`[^${DIGITS}#]+$`);
const LETTER = /\p{L}/u;

/** True when `text` holds a letter that is not part of a trailing extension (`x12`, `ext. 3`, `;ext=4`). */
export function hasLettersOutsideExtension(text: string): boolean {
  if (!LETTER.test(text)) return false;
  const tail = AFTER_NUMBER_END.exec(text);
  if (tail !== null && LETTER.test(tail[0])) return true;
  const body = tail === null ? text : text.slice(0, tail.index);
  const at = body.search(EXTENSION_PATTERN);
  return LETTER.test(at < 0 ? body : body.slice(0, at));
}
