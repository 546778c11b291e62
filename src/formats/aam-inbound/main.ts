/**
 * AAM inbound files on the main thread (`--from aam-inbound`): no header (the rows appear as the
 * columns id and traits), lines framed as AAM outbound's are (LF, a CR before it part of the
 * line end).
 */
import type { FormatRun, RecordFormat } from '../format.js';
import { LineFraming } from '../aam-outbound/framing.js';
import { AAM_INBOUND_COLUMNS } from './reader.js';

export const aamInboundFormat: RecordFormat = {
  name: 'aam-inbound',
  forRun(): FormatRun {
    return {
      settings: { name: 'aam-inbound' },
      header: { kind: 'none', columns: AAM_INBOUND_COLUMNS },
      framing: () => new LineFraming(),
    };
  },
};
