import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

/** Clock ticks per second (USER_HZ), the unit of /proc's CPU times: 100 on most Linux, asked, not assumed. */
export const CLOCK_TICKS =
  Number((await promisify(execFile)('getconf', ['CLK_TCK']).catch(() => ({ stdout: '100' }))).stdout) || 100;
