/**
 * Which `.info` file beside a batch's data files is its transfer-control file. AAM names it
 * after the batch's root (`ftp_1234_20915_full_1486140843000.info` for the parts
 * `ftp_1234_20915_full_1486140843000-1.sync.gz`, ...): one applies when its root starts every
 * data file's name. A directory read as a whole is one batch, so its only `.info` applies
 * whatever its name; a glob picks files out of a directory that may hold other batches, so only
 * a `.info` named after the files it matched applies. Pure.
 */
import { RunError } from '../errors/errors.js';

/** The root a `.info` file is named after: its name without `.info`. */
export function controlRoot(infoName: string): string {
  return infoName.replace(/\.info$/i, '');
}

/**
 * The control file (a name of `control`) for the data files `data` (names, not paths), or
 * undefined when none applies. `where` names the directory in messages.
 */
export function selectControlFile(data: readonly string[], control: readonly string[], kind: 'directory' | 'glob', where: string): string | undefined {
  if (control.length === 0 || data.length === 0) return undefined;
  const named = control.filter((info) => data.every((name) => name.startsWith(controlRoot(info)) && name !== info));
  if (named.length === 1) return named[0];
  if (named.length > 1) {
    throw new RunError('ERR_INFO', `${where}: ${named.length} .info files (${named.join(', ')}) are named after these files; give --info <path> to say which one checks the batch`);
  }
  if (kind === 'glob') return undefined;
  if (control.length === 1) return control[0];
  throw new RunError('ERR_INFO', `${where}: ${control.length} .info files (${control.join(', ')}) and none is named after every file of the directory; give --info <path>, or a glob that picks one batch`);
}
