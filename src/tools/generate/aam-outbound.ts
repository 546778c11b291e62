/**
 * One row of the AAM outbound mode: `<AAM UUID> <segments> <removed segments>`, whitespace
 * separated as AAM's default layout (DOMAIN.md: AAM outbound files). The ID is a 38-digit AAM
 * UUID; 30% of the rows have no removed list (which never repeats a qualified segment), and a few
 * carry a TAB or two spaces as separator.
 */
import type { Prng } from './prng.js';
import { digits, digitsFrom } from './draw.js';
import { qualifiedCount, segmentList } from './segments.js';

const SEPARATORS: readonly string[] = [' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ', '\t', '  '];

export function aamOutboundRow(r: Prng): string {
  const id = digitsFrom(r, 1, 1, 9) + digits(r, 37);
  const sep = SEPARATORS[r.int(SEPARATORS.length)] as string;
  const n = qualifiedCount(r);
  const qualified = segmentList(r, n);
  if (r.chance(0.3)) return `${id}${sep}${qualified}\n`;
  return `${id}${sep}${qualified}${sep}${segmentList(r, 1 + r.int(3), n)}\n`;
}
