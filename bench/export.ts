/**
 * Export writers under a large result: 1,000,000 generated rows of 8 columns (int, uuid-like text,
 * free text, numeric string, int, timestamp, boolean, jsonb) streamed from an async generator (as a
 * database cursor would give them) to a file in each format. Each format runs in its own child
 * process so its memory figures are its own; RSS is sampled every 100 ms.
 * Goal (issue 8): memory stays flat — peak RSS a small constant above the RSS at start, not
 * growing with the row count.
 *
 *   npx tsx bench/export.ts        BENCH_ROWS (1000000), BENCH_FORMATS (CSV,JSON,NDJSON,XLSX)
 */
import { spawnSync } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { exportRows, fileExtensionOf, isExportFormat, type ExportColumn, type ExportFormat } from '../src/exports/export-writer.js';

const ROWS = Number(process.env.BENCH_ROWS ?? 1_000_000);
const FORMATS = (process.env.BENCH_FORMATS ?? 'CSV,JSON,NDJSON,XLSX').split(',').filter(isExportFormat);

const COLUMNS: ExportColumn[] = [
  { name: 'id', dataType: 'integer' },
  { name: 'account_id', dataType: 'uuid' },
  { name: 'description', dataType: 'text' },
  { name: 'amount', dataType: 'numeric' },
  { name: 'quantity', dataType: 'integer' },
  { name: 'created_at', dataType: 'timestamptz' },
  { name: 'active', dataType: 'boolean' },
  { name: 'meta', dataType: 'jsonb' },
];

async function* generateRows(count: number): AsyncGenerator<Record<string, unknown>> {
  const start = Date.UTC(2024, 0, 1);
  for (let i = 0; i < count; i++) {
    const h = (i * 2654435761) >>> 0;
    yield {
      id: i + 1,
      account_id: `${h.toString(16).padStart(8, '0')}-4a1b-8c2d-${(h ^ 0x5bd1e995).toString(16).padStart(8, '0')}0000`,
      description: i % 17 === 0 ? `Order "${i}", with comma\nand newline` : `Order ${i} for customer ${h % 9973}`,
      amount: `${(h % 1_000_000) / 100}`,
      quantity: h % 50,
      created_at: new Date(start + i * 1000),
      active: h % 3 !== 0,
      meta: { tags: ['a', `t${h % 7}`], score: h % 100 },
    };
  }
}

interface Figures {
  format: ExportFormat;
  rows: number;
  bytes: number;
  seconds: number;
  rssStartMb: number;
  rssPeakMb: number;
  rssEndMb: number;
}

const mb = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;

async function runOne(format: ExportFormat): Promise<Figures> {
  const dir = await mkdtemp(join(tmpdir(), 'warden-export-bench-'));
  try {
    const file = join(dir, `export.${fileExtensionOf(format)}`);
    const rssStart = process.memoryUsage().rss;
    let rssPeak = rssStart;
    const sampler = setInterval(() => {
      rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
    }, 100);
    const started = performance.now();
    const summary = await exportRows(format, COLUMNS, generateRows(ROWS), createWriteStream(file));
    const seconds = (performance.now() - started) / 1000;
    clearInterval(sampler);
    const rssEnd = process.memoryUsage().rss;
    rssPeak = Math.max(rssPeak, rssEnd);
    if ((await stat(file)).size !== summary.bytes) throw new Error(`${format}: file size differs from the bytes reported`);
    return { format, rows: summary.rows, bytes: summary.bytes, seconds, rssStartMb: mb(rssStart), rssPeakMb: mb(rssPeak), rssEndMb: mb(rssEnd) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const only = process.argv[2];
if (only !== undefined) {
  if (!isExportFormat(only)) throw new Error(`unknown format ${only}`);
  process.stdout.write(`${JSON.stringify(await runOne(only))}\n`);
} else {
  console.log(`Export bench: ${ROWS.toLocaleString('en')} rows × ${COLUMNS.length} columns, one child process per format (node ${process.version})\n`);
  console.log('format   rows/s      seconds  file MB   RSS start  RSS peak  peak − start  RSS end');
  for (const format of FORMATS) {
    const child = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), format], {
      encoding: 'utf8',
      env: process.env,
      maxBuffer: 1024 * 1024,
    });
    if (child.status !== 0) throw new Error(`${format} run failed:\n${child.stderr}`);
    const f = JSON.parse(child.stdout.trim().split('\n').at(-1) ?? '{}') as Figures;
    console.log(
      [
        f.format.padEnd(8),
        Math.round(f.rows / f.seconds).toLocaleString('en').padStart(9),
        f.seconds.toFixed(1).padStart(9),
        mb(f.bytes).toFixed(1).padStart(8),
        `${f.rssStartMb.toFixed(1)} MB`.padStart(11),
        `${f.rssPeakMb.toFixed(1)} MB`.padStart(9),
        `+${(f.rssPeakMb - f.rssStartMb).toFixed(1)} MB`.padStart(13),
        `${f.rssEndMb.toFixed(1)} MB`.padStart(9),
      ].join('  '),
    );
  }
}
