/**
 * Every error code audience-pipe raises, in one place: the exit code a run that fails with it
 * ends with, what it means and what to do (docs/errors.md says the same; a test keeps the two
 * and the throw sites in step). The CLI's hint line is the `action`. Imports nothing: the worker
 * side uses it too.
 */
export interface CodeEntry {
  /** 1: the run failed; 2: a usage or configuration error found before any output. */
  readonly exit: 1 | 2;
  readonly meaning: string;
  readonly action: string;
}

const TRANSPORT_ACTION = '--log-level debug shows each transport step; --retries sets how often a dropped connection is tried again';
const INPUT_ACTION = 'check that --in names a readable CSV file whose first line is its header (--delimiter for ; | or TAB)';
const OUTPUT_ACTION = 'check the free space and the permissions where the output goes';
const SFTP_CREDENTIALS_ACTION = 'check --sftp-key (AUDIENCE_PIPE_SFTP_PASSPHRASE, AUDIENCE_PIPE_SFTP_PASSWORD) and --sftp-host-key or --known-hosts';

export const CATALOGUE = {
  ERR_CONFIG: {
    exit: 2,
    meaning: 'an option, a configuration file, an environment variable, a key or IV is wrong or missing; the message names it',
    action: 'audience-pipe <command> --help lists the options; process --dry-run checks a configuration without writing anything',
  },
  ERR_TARGET: {
    exit: 2,
    meaning: 'an output path cannot be used: its directory is missing or not writable, or a directory output has no file name',
    action: "the directory of each output must exist and be writable; an --out directory takes the input's file name, or --name",
  },
  ERR_SAME_FILE: {
    exit: 2,
    meaning: 'two of the input, --out, --rejects and --report name one file',
    action: 'give the input, --out, --rejects and --report paths of their own',
  },
  ERR_INPUT_ENCODING: {
    exit: 2,
    meaning: 'the input is UTF-16 or UTF-32 (it starts with that byte order mark); audience-pipe reads UTF-8',
    action: 'convert the file to UTF-8 first, e.g. iconv -f UTF-16 -t UTF-8 in.csv > in.utf8.csv',
  },
  ERR_JOB: {
    exit: 2,
    meaning: 'the reconciliation job file (--job) is wrong: not JSON, a key missing or of the wrong kind, a data source that contradicts the profiles, an unreadable AES key; the message names the key path',
    action: 'fix the key the message names (README, Reconciliation, shows a job file); a column the profile table lacks is named with the columns it has',
  },
  ERR_INPUT: {
    exit: 1,
    meaning: 'the input cannot be read: missing, a directory, unreadable, or no file matches',
    action: INPUT_ACTION,
  },
  ERR_NO_HEADER: {
    exit: 1,
    meaning: 'the input is empty or holds only blank lines: there is no header line',
    action: INPUT_ACTION,
  },
  ERR_BAD_HEADER: {
    exit: 1,
    meaning: 'the header line is malformed (a quote that does not close, a quoted or escaped line break): the records it would swallow would be copied out in clear',
    action: INPUT_ACTION,
  },
  ERR_HEADER_TOO_LARGE: {
    exit: 1,
    meaning: 'the header does not end within --max-record-bytes: an unclosed quote, or no line end at all',
    action: INPUT_ACTION,
  },
  ERR_HEADER_MISMATCH: {
    exit: 1,
    meaning: "a file of a directory or wildcard input has another header line, or other line ends, than the first file's",
    action: 'every file of a directory input must carry the same header line',
  },
  ERR_GZIP: {
    exit: 1,
    meaning: 'the input starts like gzip but does not inflate (damaged or cut short)',
    action: 'the input starts like gzip but does not inflate: is the file complete?',
  },
  ERR_INFO: {
    exit: 1,
    meaning: "a batch's transfer-control .info file cannot be used: unreadable, not JSON (JSON5: unquoted keys allowed), without its Files and Totals, or several .info files could check the batch",
    action: "give --info <path|url> naming the batch's .info file; audience-pipe verify <file.info> checks it alone",
  },
  ERR_INFO_MISMATCH: {
    exit: 1,
    meaning: "a part of a batch, or the batch's totals, differ from its .info file: byte size, MD5 (both of the file as stored) or line count (of the decoded content); the message names the part, the figure, the expected and the actual value; nothing was published",
    action: 'the batch is incomplete or damaged: fetch it again; audience-pipe verify <file.info> lists every part',
  },
  ERR_INFO_PART_MISSING: {
    exit: 1,
    meaning: "a part the batch's .info file lists is not among the input files (not arrived yet, or deleted); nothing was published",
    action: 'wait for the batch to be complete, or fetch the missing part; audience-pipe verify <file.info> lists every part',
  },
  ERR_INFO_PART_UNLISTED: {
    exit: 1,
    meaning: "an input file is not listed in the batch's .info file; nothing was published",
    action: "read only the batch's files (a glob such as --in 'dir/<batch root>*'), or give the .info that lists them",
  },
  ERR_TOO_MANY_REJECTS: {
    exit: 1,
    meaning: 'more records were rejected than --max-rejects allows; the message gives the count and the top reason',
    action: 'the reject file (--rejects) says why each record was rejected; --max-rejects raises the limit, none accepts any number',
  },
  ERR_PROFILES: {
    exit: 1,
    meaning: 'the profile table of a reconciliation job cannot be read: the CSV file is missing, not CSV or cut short, or PostgreSQL refused the connection or the query; the message names the file or server and the reason',
    action: 'check profiles.path, or profiles.postgres (url, query, AUDIENCE_PIPE_PG_PASSWORD) with psql',
  },
  ERR_TOO_MANY_UNMATCHED: {
    exit: 1,
    meaning: 'import-audience matched too few incoming IDs: more were unmatched than --max-unmatched allows; the message gives the count and the top reason',
    action: 'the --unmatched file lists each unmatched ID with its reason (bad_ciphertext: the data source\'s AES key or IV is probably wrong; no_profile: another --alias, or the profile table is not the one the IDs came from)',
  },
  ERR_OUTPUT: {
    exit: 1,
    meaning: 'writing the output (--out or stdout) failed, e.g. ENOSPC; the message names the file and the system error',
    action: OUTPUT_ACTION,
  },
  ERR_REJECTS: {
    exit: 1,
    meaning: 'writing the reject file (--rejects) failed; the message names the file and the system error',
    action: OUTPUT_ACTION,
  },
  ERR_UNUSABLE: {
    exit: 1,
    meaning: 'writing the file of profiles without a usable key (export-audience --unusable) failed; the message names the file and the system error',
    action: OUTPUT_ACTION,
  },
  ERR_REPORT: {
    exit: 1,
    meaning: 'writing the report (--report) failed; the message names the file and the system error',
    action: OUTPUT_ACTION,
  },
  ERR_PUBLISH_PARTIAL: {
    exit: 1,
    meaning: 'publishing an output failed after other outputs of the run had been published; the message lists those, the cause is the publish error',
    action: 'the files listed were published, the others not: remove or keep the listed files, then run again',
  },
  ERR_OUTPUT_LOCK: {
    exit: 1,
    meaning: "the lock file beside --out (.<name>.lock) cannot be created, e.g. the directory's permissions",
    action: 'check the permissions of the directory --out is written to',
  },
  ERR_OUTPUT_LOCKED: {
    exit: 1,
    meaning: 'another run (its host and pid are in the message) is writing the same --out',
    action: 'another run is writing the same --out; wait for it, or give this run another path',
  },
  ERR_NAME_COLLISION: {
    exit: 1,
    meaning: 'two output files of one run would get the same name: two --partition-by values that differ only in characters a file name cannot hold (they become _); nothing was published',
    action: 'give --name a template with {partition} and {part} placeholders, or clean the partition column so that its values stay apart',
  },
  ERR_SINK_INCOMPLETE: {
    exit: 1,
    meaning: 'a remote output was asked to publish before all of it was uploaded; nothing was published',
    action: OUTPUT_ACTION,
  },
  ERR_TOO_MANY_AUDIENCES: {
    exit: 1,
    meaning: '--partition-by found more distinct values than --max-audiences (default 25, the Campaign destination\'s limit); the message has the limit and the line of the first value over it; nothing was published',
    action: 'raise --max-audiences if the destination takes more, or split the input by audience first',
  },
  ERR_EMPTY_OUTPUT: {
    exit: 1,
    meaning: 'an aam-inbound output would hold no record (every record was rejected or deduplicated, or the input has none); AAM rejects empty files, so none was written',
    action: 'the reject file (--rejects) and the report say where the records went',
  },
  ERR_SPOOL: {
    exit: 1,
    meaning: 'the spool of --dedup-order (pass 1 of two, in --tmp-dir or the OS temporary directory) cannot be created, written or read back; the message has the system error',
    action: 'give --tmp-dir a directory with room for the output (about its size plus 16 bytes and the dedup key and order values per record)',
  },
  ERR_DUPLICATES: {
    exit: 1,
    meaning: 'writing the duplicates file (--duplicates) failed; the message names the file and the system error',
    action: OUTPUT_ACTION,
  },
  ERR_INTERRUPTED: {
    exit: 1,
    meaning: "the run was stopped by SIGHUP, SIGINT or SIGTERM (the CLI exits 128 + the signal's number) or by the library caller's AbortSignal; nothing was published",
    action: 'nothing was published; run the command again',
  },
  ERR_HTTP_STATUS: {
    exit: 1,
    meaning: "an HTTP(S) or Azure Blob request got a non-success status; the message has the status and the service's error code",
    action: TRANSPORT_ACTION,
  },
  ERR_HTTP_NETWORK: {
    exit: 1,
    meaning: 'an HTTP(S) or Azure Blob request failed below HTTP (reset, refused, timeout, DNS); the message has the low-level code',
    action: TRANSPORT_ACTION,
  },
  ERR_HTTP_SHORT_BODY: {
    exit: 1,
    meaning: 'an HTTP download ended before its Content-Length, after the resumes allowed',
    action: TRANSPORT_ACTION,
  },
  ERR_HTTP_RANGE: {
    exit: 1,
    meaning: 'an HTTP download resumed with a Range request got another range back',
    action: TRANSPORT_ACTION,
  },
  ERR_HTTP_CHANGED: {
    exit: 1,
    meaning: 'the HTTP object changed (ETag, Last-Modified or size) between the attempts of one download; parts of two versions are never stitched',
    action: TRANSPORT_ACTION,
  },
  ERR_AZURE_TOO_MANY_BLOCKS: {
    exit: 1,
    meaning: 'the output needs more blocks than an Azure block blob holds (50,000)',
    action: TRANSPORT_ACTION,
  },
  ERR_SFTP_HOST_KEY: {
    exit: 1,
    meaning: "the SFTP server's host key is not the one pinned (--sftp-host-key) or known (--known-hosts)",
    action: SFTP_CREDENTIALS_ACTION,
  },
  ERR_SFTP_AUTH: {
    exit: 1,
    meaning: 'the SFTP server refused the password or key',
    action: SFTP_CREDENTIALS_ACTION,
  },
  ERR_SFTP_NO_SUCH_FILE: {
    exit: 1,
    meaning: 'a remote file or directory does not exist',
    action: TRANSPORT_ACTION,
  },
  ERR_SFTP_PERMISSION: {
    exit: 1,
    meaning: 'the SFTP server denied an operation on a remote path',
    action: TRANSPORT_ACTION,
  },
  ERR_SFTP_NO_MATCH: {
    exit: 1,
    meaning: 'no remote file matches the --in wildcard or directory',
    action: TRANSPORT_ACTION,
  },
  ERR_SFTP_HOST_NOT_FOUND: {
    exit: 1,
    meaning: 'the SFTP host name does not resolve',
    action: TRANSPORT_ACTION,
  },
  ERR_SFTP_UNSUPPORTED: {
    exit: 1,
    meaning: 'the SFTP server does not support an operation audience-pipe needs',
    action: TRANSPORT_ACTION,
  },
  ERR_SFTP_CONNECTION: {
    exit: 1,
    meaning: 'the SFTP connection failed or was closed, after the retries allowed',
    action: TRANSPORT_ACTION,
  },
  ERR_SFTP_STALLED: {
    exit: 1,
    meaning: 'the SFTP server stopped answering, after the retries allowed',
    action: TRANSPORT_ACTION,
  },
  ERR_SFTP_SIZE_MISMATCH: {
    exit: 1,
    meaning: 'the uploaded .part file on the server has another size than the bytes sent: the server lost a write',
    action: TRANSPORT_ACTION,
  },
  ERR_SFTP_FAILURE: {
    exit: 1,
    meaning: 'the SFTP server reported a failure, or a remote file changed while it was read',
    action: TRANSPORT_ACTION,
  },
  ERR_SFTP_ABORTED: {
    exit: 1,
    meaning: 'an SFTP upload was aborted before it was published',
    action: TRANSPORT_ACTION,
  },
  ERR_WORKER: {
    exit: 1,
    meaning: 'a worker thread stopped (out of memory, or it crashed) while processing chunks',
    action: 'run again with fewer --workers or a smaller --chunk-size; the report (--report) has the counts',
  },
  ERR_BENCH_RUN: {
    exit: 1,
    meaning: 'a run started by the bench command failed; the message has the end of its stderr',
    action: 'run the failing job by itself to see its error',
  },
  ERR_RUN: {
    exit: 1,
    meaning: 'the run failed for a reason without a code of its own (the original error is its cause); the message says what happened',
    action: '--log-level debug shows more; the report (--report) has the counts',
  },
  ERR_INTERNAL: {
    exit: 1,
    meaning: 'a check of audience-pipe itself failed (a bug, not a problem of the input or the options)',
    action: 'please report it with the message and the command line (without secrets)',
  },
} as const satisfies Record<`ERR_${string}`, CodeEntry>;

export type ErrorCode = keyof typeof CATALOGUE;

/** The codes whose runs end with exit code `E`. */
export type CodeWithExit<E extends 1 | 2> = { [C in ErrorCode]: (typeof CATALOGUE)[C]['exit'] extends E ? C : never }[ErrorCode];

export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && Object.hasOwn(CATALOGUE, code);
}
