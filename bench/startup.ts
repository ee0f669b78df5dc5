/**
 * How long `npm start` takes to serve, on a clean data directory (first start: store created, demo
 * loaded, admin key generated) and on the same directory again. Goal: first start under 15 s.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnGateway } from '../test/helpers/spawn-gateway.js';

async function timeStart(dataDir: string): Promise<{ ms: number; rssMb: number }> {
  const started = performance.now();
  const gateway = await spawnGateway({ WARDEN_DATA_DIR: dataDir });
  const health = await fetch(`${gateway.baseUrl}/healthz`);
  if (health.status !== 200) throw new Error(`health check answered ${health.status}`);
  const ms = performance.now() - started;
  const rssMb = await rssOf(gateway.process.pid);
  await gateway.stop();
  return { ms, rssMb };
}

/** Resident memory of the process serving, in MB. */
async function rssOf(pid: number | undefined): Promise<number> {
  if (!pid) return NaN;
  const { readFile } = await import('node:fs/promises');
  const { execFileSync } = await import('node:child_process');
  // `npm start` runs the gateway in this very process (node --import tsx); a launcher would put it in a child.
  let children: string[] = [];
  try {
    children = execFileSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' }).trim().split('\n').filter(Boolean);
  } catch {
    // pgrep exits 1 when there is no child: the process itself serves.
  }
  const target = children[0] ?? String(pid);
  const status = await readFile(`/proc/${target}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
  return kb / 1024;
}

const runs = Number(process.env.BENCH_RUNS ?? 3);
const first: number[] = [];
const again: number[] = [];
let rss = 0;
for (let i = 0; i < runs; i++) {
  const dataDir = await mkdtemp(join(tmpdir(), 'warden-bench-'));
  try {
    const a = await timeStart(dataDir);
    const b = await timeStart(dataDir);
    first.push(a.ms);
    again.push(b.ms);
    rss = Math.max(rss, a.rssMb, b.rssMb);
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}
const fmt = (values: number[]) => {
  const sorted = [...values].sort((x, y) => x - y);
  return `median ${(sorted[Math.floor(sorted.length / 2)]! / 1000).toFixed(2)} s, worst ${(sorted.at(-1)! / 1000).toFixed(2)} s`;
};
console.log(`npm start → /healthz 200, ${runs} runs (process launch included)`);
console.log(`  first start (create store, load demo): ${fmt(first)}   goal < 15 s`);
console.log(`  restart on the same data:              ${fmt(again)}`);
console.log(`  resident memory once serving:          ${rss.toFixed(0)} MB`);
