import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { USAGE } from '../../../src/cli/cli-usage.js';
import { EXIT_CODES, exitCodeFor } from '../../../src/cli/exit-codes.js';
import { ErrorCode } from '../../../src/errors/app-error.js';

const README = await readFile(new URL('../../../README.md', import.meta.url), 'utf8');

describe("the CLI's exit codes", () => {
  it('give every error code the gateway sends an exit code of its own kind', () => {
    const listed = new Set<string>(EXIT_CODES.flatMap((row) => [...row.codes]));
    const sent: string[] = Object.values(ErrorCode);
    expect(sent.filter((code) => !listed.has(code))).toEqual([]);
  });

  it('map each code to one exit code, and an unknown one to 1', () => {
    const codes = EXIT_CODES.flatMap((row) => [...row.codes]);
    expect(codes.filter((code, i) => codes.indexOf(code) !== i)).toEqual([]);
    expect(exitCodeFor('UNAUTHENTICATED')).toBe(3);
    expect(exitCodeFor('SQL_NOT_ALLOWED')).toBe(5);
    expect(exitCodeFor('SOMETHING_NEW')).toBe(1);
  });

  it("are the README's table, row for row", () => {
    const section = README.slice(README.indexOf('## Command line'), README.indexOf('\n## ', README.indexOf('## Command line') + 1));
    const rows = [...section.matchAll(/^\| (\d+) \| ([^|]*) \| (.*) \|$/gm)].map((m) => ({
      exit: Number(m[1]),
      codes: [...(m[2] as string).matchAll(/`(\w+)`/g)].map((c) => c[1]),
      meaning: m[3],
    }));
    expect(rows).toEqual(EXIT_CODES.map((row) => ({ exit: row.exit, codes: [...row.codes], meaning: row.meaning })));
  });

  it('are listed by warden --help', () => {
    for (const row of EXIT_CODES) {
      expect(USAGE).toMatch(new RegExp(`^ *${row.exit}  `, 'm'));
      for (const code of row.codes) expect(USAGE).toContain(code);
    }
  });
});
