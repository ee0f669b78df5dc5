import { AppError, ErrorCode } from '../errors/app-error.js';
import { oneLine } from './link-render.js';

/**
 * A model's reply that says the tables it was shown cannot answer the question (the prompt asks it to
 * say so in one sentence, without SQL). Such a reply is the answer, not a failure: repairing it would
 * only ask the model to make something up. Pure.
 */

const LONGEST_REPLY = 600;
const SENTENCE_CHARS = 300;

/**
 * Statements of inability or absence: "cannot", "unable", "not possible", "no column", "does not
 * contain", "is not available", "not enough information", "insufficient". "I am not sure what you
 * mean" is not one: the question may still be answered after a repair.
 */
const DECLINE =
  /\b(?:cannot|can ?not|can['’]t|unable|not possible|impossible|no (?:such )?(?:tables?|columns?|data|information|fields?|records?)\b|(?:does|do|did)(?: not|n['’]t) (?:contain|have|include|hold|store|record|track|provide|cover)|(?:is|are)(?: not|n['’]t) (?:available|present|stored|recorded|included|tracked|possible)|not enough (?:information|data)|insufficient|lacks?\b)/i;

/** The model's sentence, on one line and cut to 300 characters, when the reply declines; else null. */
export function declinedAnswer(reply: string): string | null {
  const text = reply.replace(/<(think|thinking|reasoning)>[\s\S]*?<\/\1>/gi, '').trim();
  if (text === '' || text.length > LONGEST_REPLY || text.includes('```')) return null;
  return DECLINE.test(text) ? oneLine(text, SENTENCE_CHARS) : null;
}

/** NEEDS_CLARIFICATION carrying the model's sentence and the tables it was shown. */
export function modelDeclined(sentence: string, linkedTables: readonly string[]): AppError {
  return new AppError(
    ErrorCode.NEEDS_CLARIFICATION,
    `The model says the tables it was shown cannot answer the question: "${sentence}" Ask again naming the tables or columns it is about, or ask something they hold.`,
    { modelAnswer: sentence, linkedTables: [...linkedTables] },
  );
}
