/** What to try next, by error code: the second line of an error shown to a person. */
import { CATALOGUE, isErrorCode } from '../errors/catalogue.js';

export function hintFor(code: string | undefined): string {
  return CATALOGUE[isErrorCode(code) ? code : 'ERR_RUN'].action;
}
