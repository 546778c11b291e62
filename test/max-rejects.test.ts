/** #9 `--max-rejects <n|p%>`: a run where too many records are rejected fails instead of ending ok. */
import { describe, expect, it } from 'vitest';
import { buildProcessConfig, parseMaxRejects } from '../src/config/load.js';

describe('--max-rejects parsing', () => {
  it('reads a count, a percentage and none; defaults to 50%', () => {
    expect(parseMaxRejects(undefined)).toEqual({ percent: 50 });
    expect(parseMaxRejects('1000')).toEqual({ count: 1000 });
    expect(parseMaxRejects(0)).toEqual({ count: 0 });
    expect(parseMaxRejects(' 5% ')).toEqual({ percent: 5 });
    expect(parseMaxRejects('0.5%')).toEqual({ percent: 0.5 });
    expect(parseMaxRejects('none')).toBeUndefined();
    expect(parseMaxRejects('NONE')).toBeUndefined();
    expect(buildProcessConfig({}, {}).maxRejects).toEqual({ percent: 50 });
    expect(buildProcessConfig({}, { maxRejects: '10%' }).maxRejects).toEqual({ percent: 10 });
    expect(buildProcessConfig({ maxRejects: '7' }, { maxRejects: '10%' }).maxRejects).toEqual({ count: 7 });
  });

  it('names the option for a value it cannot read', () => {
    for (const bad of ['-1', '101%', 'half', '5 %%', '1e3', '']) {
      expect(() => parseMaxRejects(bad), bad).toThrow(/--max-rejects: /);
    }
  });
});
