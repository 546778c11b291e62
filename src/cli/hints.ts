/** What to try next, by error code: the second line of an error shown to a person. */
const HINTS: Array<[RegExp, string]> = [
  [/^ERR_CONFIG$/, 'audience-pipe <command> --help lists the options; process --dry-run checks a configuration without writing anything'],
  [/^ERR_TOO_MANY_REJECTS$/, 'the reject file (--rejects) says why each record was rejected; --max-rejects raises the limit, none accepts any number'],
  [/^ERR_(INPUT|NO_HEADER|BAD_HEADER|HEADER_TOO_LARGE)$/, 'check that --in names a readable CSV file whose first line is its header (--delimiter for ; | or TAB)'],
  [/^ERR_SAME_FILE$/, 'give the input, --out, --rejects and --report paths of their own'],
  [/^ERR_TARGET$/, 'the directory of each output must exist and be writable; an --out directory takes the input\'s file name, or --name'],
  [/^ERR_OUTPUT_LOCKED$/, 'another run is writing the same --out; wait for it, or give this run another path'],
  [/^ERR_INPUT_ENCODING$/, 'convert the file to UTF-8 first, e.g. iconv -f UTF-16 -t UTF-8 in.csv > in.utf8.csv'],
  [/^ERR_(OUTPUT|REJECTS|REPORT|SINK_INCOMPLETE)$/, 'check the free space and the permissions where the output goes'],
  [/^ERR_HEADER_MISMATCH$/, 'every file of a directory input must carry the same header line'],
  [/^ERR_GZIP$/, 'the input starts like gzip but does not inflate: is the file complete?'],
  [/^ERR_INTERRUPTED$/, 'nothing was published; run the command again'],
  [/^ERR_SFTP_(AUTH|HOST_KEY)$/, 'check --sftp-key (AUDIENCE_PIPE_SFTP_PASSPHRASE, AUDIENCE_PIPE_SFTP_PASSWORD) and --sftp-host-key or --known-hosts'],
  [/^ERR_(SFTP|HTTP|AZURE)_/, '--log-level debug shows each transport step; --retries sets how often a dropped connection is tried again'],
];

const FALLBACK = '--log-level debug shows more; the report (--report) has the counts';

export function hintFor(code: string | undefined): string {
  return HINTS.find(([pattern]) => pattern.test(code ?? ''))?.[1] ?? FALLBACK;
}
