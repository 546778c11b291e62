/** Small integer codes of the worker's hot path: counter kinds and reject reasons. */
import { COLUMN_COUNTERS, REJECT_REASONS, type RejectReason } from './messages.js';

export const NCOUNTERS = COLUMN_COUNTERS.length;
export const KIND_HASHED = COLUMN_COUNTERS.indexOf('hashed');
export const KIND_ALREADY_HASHED = COLUMN_COUNTERS.indexOf('alreadyHashed');
export const KIND_EMPTY = COLUMN_COUNTERS.indexOf('empty');
export const KIND_INVALID = COLUMN_COUNTERS.indexOf('invalid');
export const KIND_ENCRYPTED = COLUMN_COUNTERS.indexOf('encrypted');
export const KIND_DECRYPTED = COLUMN_COUNTERS.indexOf('decrypted');
export const KIND_VALIDATED = COLUMN_COUNTERS.indexOf('validated');

const reasonCode = (r: RejectReason): number => REJECT_REASONS.indexOf(r);
export const R_FIELD_COUNT = reasonCode('field_count');
export const R_TOO_LARGE = reasonCode('record_too_large');
export const R_UTF8 = reasonCode('invalid_utf8');
export const R_EMAIL = reasonCode('invalid_email');
export const R_PHONE = reasonCode('invalid_phone');
export const R_CIPHER = reasonCode('bad_ciphertext');
export const R_QUOTE = reasonCode('bad_quote');
export const R_LINE_END = reasonCode('bad_line_end');
export const R_INVALID_ID = reasonCode('invalid_id');
export const R_MISSING_ID = reasonCode('missing_id');
export const R_LINE_TOO_LONG = reasonCode('line_too_long');
export const R_NO_TRAITS = reasonCode('no_traits');
export const R_MISSING_MANDATORY = reasonCode('missing_mandatory');
export const R_INVALID_TRAIT = reasonCode('invalid_trait');

/**
 * Not a reject: a record the lookup op (import-audience) found no profile for. It is neither
 * written nor rejected but counted unmatched (ChunkResult.lookup); never in REJECT_REASONS.
 */
export const R_UNMATCHED = 255;
