/** The run report as a file (`--report`): pretty JSON, written the way every local output is. */
import { writeTargetFile } from '../outputs/target-writer.js';
import type { RunReport } from './run-report.js';

export async function writeReportFile(path: string, report: RunReport): Promise<void> {
  await writeTargetFile(path, 'report', JSON.stringify(report, null, 2) + '\n', 'ERR_REPORT');
}
