/**
 * Schema linking quality: which tables the linker sends the model for a question, on
 *   - a noisy schema of 306 tables (the demo shop among 300 distractors sharing its names and columns,
 *     bench/linking-schema.ts), without and with a small semantic catalog (bench/linking-questions.ts);
 *   - the demo shop alone.
 * For each question the linker runs as the ask service runs it: link, read sample values of the tables
 * it linked best (here from the seeded shop rows, or stand-ins), link again, render the prompt with the
 * default template.
 *
 * Prints per run: recall (share of questions whose every gold table was sent), precision (mean of
 * gold ∩ sent / sent), prompt tokens (whole prompt, system and user, at 4 characters a token; average
 * and maximum over questions that reached the model) and how many asked for clarification instead.
 * Goals: noisy with terms — recall ≥ 95%, precision ≥ 0.5, average ≤ 1,500 tokens; demo shop — recall
 * 100%, ≤ 800 tokens.
 *
 *   npm run bench:linking     BENCH_VERBOSE=1 prints each question's tables; BENCH_BUDGET (3000)
 */
import { AppError } from '../src/errors/app-error.js';
import type { LinkableTable, LinkableTerm, LinkedSchema } from '../src/nl/nl-types.js';
import { DEFAULT_TEMPLATE, renderPrompt } from '../src/nl/prompt-template.js';
import { estimateTokens, linkSchema } from '../src/nl/schema-linker.js';
import { QUESTIONS, TERMS, type BenchQuestion } from './linking-questions.js';
import { NOISY, SHOP, samplesOf } from './linking-schema.js';

const BUDGET = Number(process.env.BENCH_BUDGET ?? 3_000);
const VERBOSE = process.env.BENCH_VERBOSE === '1';
/** As the ask service: sample values of the best-linked tables only. */
const SAMPLED_TABLES = 6;

interface Outcome {
  sent: string[];
  tokens: number | null;
  clarified: boolean;
}

function withSamples(tables: LinkableTable[], names: Set<string>): LinkableTable[] {
  return tables.map((table) => {
    if (!names.has(table.name)) return table;
    const samples = samplesOf(table);
    return { ...table, columns: table.columns.map((c) => (samples.get(c.name)?.length ? { ...c, samples: samples.get(c.name) } : c)) };
  });
}

function ask(question: string, tables: LinkableTable[], terms: LinkableTerm[]): Outcome {
  const options = { tokenBudget: BUDGET, dialect: 'postgres' as const, terms };
  try {
    const first: LinkedSchema = linkSchema(question, tables, options);
    const sampledNames = first.worthSampling.map((t) => t.name).slice(0, SAMPLED_TABLES);
    const linked = linkSchema(question, withSamples(tables, new Set(sampledNames)), options);
    if (linked.tables.length === 0) return { sent: [], tokens: null, clarified: true };
    const messages = renderPrompt(DEFAULT_TEMPLATE, { question, dialect: 'postgres', schemaText: linked.text, repairs: [], maxRows: 200 });
    return { sent: linked.tables.map((t) => t.name), tokens: estimateTokens(messages.map((m) => m.content).join('\n')), clarified: false };
  } catch (error) {
    if (error instanceof AppError) return { sent: [], tokens: null, clarified: true };
    throw error;
  }
}

function run(label: string, tables: LinkableTable[], questions: BenchQuestion[], terms: LinkableTerm[]): void {
  const names = new Set(tables.map((t) => t.name));
  // The catalog's provider hands the linker only terms about tables the agent may read (here: present).
  const usable = terms.filter((term) => term.links.every((l) => names.has(l.table)));
  let found = 0;
  let precisionSum = 0;
  let clarified = 0;
  const tokens: number[] = [];
  const started = performance.now();
  for (const q of questions) {
    const outcome = ask(q.question, tables, usable);
    const sent = new Set(outcome.sent);
    const hit = q.gold.filter((g) => sent.has(g)).length;
    const complete = hit === q.gold.length;
    if (complete) found++;
    precisionSum += sent.size === 0 ? 0 : hit / sent.size;
    if (outcome.clarified) clarified++;
    if (outcome.tokens !== null) tokens.push(outcome.tokens);
    if (VERBOSE) {
      const extra = outcome.sent.filter((s) => !q.gold.includes(s));
      const missing = q.gold.filter((g) => !sent.has(g));
      console.log(
        `  ${complete ? 'ok  ' : 'MISS'} ${String(outcome.tokens ?? '-').padStart(5)} tok  ${q.question}\n` +
          `         sent ${outcome.sent.length}: ${outcome.sent.join(', ') || (outcome.clarified ? '(asked for clarification)' : '-')}` +
          (missing.length > 0 ? `\n         missing: ${missing.join(', ')}` : '') +
          (extra.length > 0 ? `\n         extra: ${extra.length}` : ''),
      );
    }
  }
  const ms = performance.now() - started;
  const avg = tokens.length === 0 ? 0 : tokens.reduce((a, b) => a + b, 0) / tokens.length;
  console.log(
    `${label.padEnd(38)} recall ${((found / questions.length) * 100).toFixed(1).padStart(5)}% (${found}/${questions.length})` +
      `   precision ${(precisionSum / questions.length).toFixed(2)}` +
      `   prompt tokens avg ${Math.round(avg).toString().padStart(5)} max ${String(Math.max(0, ...tokens)).padStart(5)}` +
      `   clarifications ${clarified}   ${(ms / questions.length).toFixed(1)} ms/question`,
  );
}

console.log(`\nSchema linking, ${QUESTIONS.length} questions, token budget ${BUDGET}:`);
run(`noisy schema (${NOISY.length} tables), no terms`, NOISY, QUESTIONS, []);
run(`noisy schema (${NOISY.length} tables), ${TERMS.length} terms`, NOISY, QUESTIONS, TERMS);
const shopQuestions = QUESTIONS.filter((q) => !q.noisyOnly);
run(`demo shop (${SHOP.length} tables), no terms`, SHOP, shopQuestions, []);
run(`demo shop (${SHOP.length} tables), with terms`, SHOP, shopQuestions, TERMS);
