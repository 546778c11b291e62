/**
 * One CSV field written as text, RFC 4180: quoted when it holds `,`, `"`, CR or LF, its quotes
 * doubled. For the main side's text outputs (the reject file, the data generator); the workers
 * write fields as bytes (field-codec.ts).
 */
const QUOTE_NEEDED = /[",\r\n]/;

/** Whether the field must be quoted (a reject's record text is quoted as bytes, not through csvField). */
export const needsQuotes = (text: string): boolean => QUOTE_NEEDED.test(text);

export function csvField(text: string): string {
  return needsQuotes(text) ? `"${text.replaceAll('"', '""')}"` : text;
}
