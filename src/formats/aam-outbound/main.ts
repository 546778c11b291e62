/**
 * AAM outbound files on the main thread: no header (the rows appear as the columns id, segments,
 * removed_segments), lines framed by LineFraming, and the layout's separators for the workers:
 * `--field-separator` (default: runs of whitespace) and `--list-separator` (default `,`, for the
 * consumers of the segment lists).
 */
import type { FormatRun, RecordFormat } from '../format.js';
import { LineFraming } from './framing.js';
import { AAM_OUTBOUND_COLUMNS, WHITESPACE_RUNS } from './layout.js';

export const aamOutboundFormat: RecordFormat = {
  name: 'aam-outbound',
  forRun(config): FormatRun {
    const { fieldSeparator, listSeparator } = config.aamOutbound;
    return {
      settings: { name: 'aam-outbound', fieldSeparator: fieldSeparator ?? WHITESPACE_RUNS, listSeparator },
      header: { kind: 'none', columns: AAM_OUTBOUND_COLUMNS },
      framing: () => new LineFraming(),
    };
  },
};
