/**
 * Shared bits of the HTTP benches: a cheap load generator (node:http on kept-alive sockets: fetch costs
 * several times more per request, and the load generator shares the cores with the servers it measures),
 * the CPU a process tree has used (from /proc), and percentiles.
 */
import { readdirSync, readFileSync } from 'node:fs';
import http from 'node:http';

/** Linux clock ticks per second (`getconf CLK_TCK`), which /proc/<pid>/stat counts CPU time in. */
const TICKS_PER_SECOND = 100;

interface ProcStat {
  ppid: number;
  /** utime + stime + cutime + cstime, in ticks: the process, and the children it has reaped. */
  ticks: number;
  /** When the process started (ticks since boot): tells a process from a later one given the same pid. */
  startTime: number;
}

function procStat(pid: number): ProcStat | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may hold spaces and parentheses: the fields start after the last ')'.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    const n = (i: number) => Number(fields[i]);
    return { ppid: n(1), ticks: n(11) + n(12) + n(13) + n(14), startTime: n(19) };
  } catch {
    return undefined;
  }
}

/** The pids of a process's children: from /proc/<pid>/task/<tid>/children, or by scanning /proc for the ppid. */
function childrenOf(pid: number): number[] {
  try {
    const children: number[] = [];
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const text = readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').trim();
      if (text) children.push(...text.split(' ').map(Number));
    }
    return children;
  } catch {
    const children: number[] = [];
    for (const entry of readdirSync('/proc')) {
      if (/^\d+$/.test(entry) && procStat(Number(entry))?.ppid === pid) children.push(Number(entry));
    }
    return children;
  }
}

/** A process and every live descendant of it (workers, helpers), each as pid and start time. */
export function processTree(root: number | undefined): { pid: number; startTime: number }[] {
  if (!root) return [];
  const tree: { pid: number; startTime: number }[] = [];
  const pending = [root];
  while (pending.length) {
    const pid = pending.pop() as number;
    const stat = procStat(pid);
    if (!stat) continue;
    tree.push({ pid, startTime: stat.startTime });
    pending.push(...childrenOf(pid));
  }
  return tree;
}

/**
 * CPU seconds (user + system) a process and its live descendants have used so far, plus what the
 * children they have already reaped used. NaN when the process is gone.
 */
export function treeCpuSeconds(root: number | undefined): number {
  if (!root || !procStat(root)) return NaN;
  let ticks = 0;
  for (const { pid } of processTree(root)) ticks += procStat(pid)?.ticks ?? 0;
  return ticks / TICKS_PER_SECOND;
}

/** Whether a process seen earlier (pid and start time) is still running. */
export function stillRunning(p: { pid: number; startTime: number }): boolean {
  return procStat(p.pid)?.startTime === p.startTime;
}

export interface JsonReply {
  status: number;
  body: string;
}

/** POSTs JSON bodies to one URL over a pool of kept-alive sockets. */
export class JsonPoster {
  private readonly agent: http.Agent;
  private readonly host: string;
  private readonly port: string;
  private readonly path: string;

  constructor(
    url: string,
    sockets: number,
    private readonly headers: Record<string, string> = {},
  ) {
    const u = new URL(url);
    this.host = u.hostname;
    this.port = u.port;
    this.path = `${u.pathname}${u.search}`;
    this.agent = new http.Agent({ keepAlive: true, maxSockets: sockets });
  }

  post(payload: string): Promise<JsonReply> {
    return new Promise((resolve, reject) => {
      const req = http.request(
        {
          host: this.host,
          port: this.port,
          path: this.path,
          method: 'POST',
          agent: this.agent,
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload), ...this.headers },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
  }

  /** Ends the kept-alive sockets. */
  close(): void {
    this.agent.destroy();
  }
}

export interface Drive {
  /** Latency of each request that succeeded, in ms. */
  latencies: number[];
  errors: number;
  firstError?: string;
  elapsedSeconds: number;
}

/**
 * `concurrency` clients, each sending its next request as soon as the last one is answered, for
 * `seconds`. Client k's i-th call gets k + i × concurrency, so the requests vary.
 */
export async function drive(concurrency: number, seconds: number, once: (i: number) => Promise<void>, stopped: () => boolean = () => false): Promise<Drive> {
  const latencies: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  const started = performance.now();
  const until = started + seconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async (_, client) => {
      let i = client;
      while (performance.now() < until && !stopped()) {
        const t = performance.now();
        try {
          await once(i);
          latencies.push(performance.now() - t);
        } catch (error) {
          errors += 1;
          firstError ??= (error as Error).message;
        }
        i += concurrency;
      }
    }),
  );
  return { latencies, errors, firstError, elapsedSeconds: (performance.now() - started) / 1000 };
}

/** The q-quantile (0..1) of numbers sorted ascending. */
export function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (!sorted.length) return NaN;
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}
