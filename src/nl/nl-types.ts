/**
 * The shapes the natural-language pipeline passes between its parts (DESIGN.md, "Natural language"):
 * link → prompt → model → extract → gate → execute → explain. Plain data, no I/O.
 */

/** A column the asking agent may read, as the linker sees it. */
export interface LinkableColumn {
  name: string;
  dataType: string;
  nullable: boolean;
  comment: string | null;
  /** A few distinct values, when known (already masked and row-filtered for this agent). */
  samples?: string[];
}

/** A table the asking agent may read (only its readable columns). */
export interface LinkableTable {
  schema: string;
  name: string;
  comment: string | null;
  rowEstimate: number | null;
  columns: LinkableColumn[];
  primaryKey: string[];
  /** Only foreign keys whose columns and referenced table are readable too. */
  foreignKeys: { columns: string[]; referencedSchema: string; referencedTable: string; referencedColumns: string[] }[];
}

/**
 * A term of a database's semantic catalog as the linker uses it: only approved terms whose every linked
 * table and column, and every object their examples read, the asking agent may read.
 */
export interface LinkableTerm {
  term: string;
  synonyms: string[];
  definition: string;
  /** What the term is about: a table, or one column of it. */
  links: { schema: string; table: string; column?: string }[];
  /** Questions with the SQL that answers them, checked by the gate when saved. */
  examples: { question: string; sql: string }[];
}

/** What the linker chose for a question: the relevant tables and the joins between them, within the token budget. */
export interface LinkedSchema {
  tables: { schema: string; name: string; score: number; columns: string[] }[];
  /** The schema as the prompt shows it (DDL-like text, then the definitions of catalog terms the question used). */
  text: string;
  /** Estimated tokens of `text`. */
  tokens: number;
  /** Tables not linked (count only: names of unlinked tables are not shown to the model). */
  omitted: number;
  /** Catalog terms whose definitions `text` holds. */
  terms: string[];
  /**
   * When nothing matched the question (`tables` is empty): a few readable tables most likely meant,
   * as `schema.name`, to ask which one. Empty otherwise.
   */
  candidates: string[];
  /** The best-ranked readable tables (not copies), whose sample values may sharpen a second link. */
  worthSampling: { schema: string; name: string }[];
}

export interface PromptInput {
  question: string;
  dialect: 'postgres' | 'mysql';
  schemaText: string;
  /** Earlier attempts and what went wrong, for a repair. */
  repairs: { sql: string; error: string }[];
  maxRows: number;
}

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface ColumnStatistics {
  column: string;
  kind: 'numeric' | 'text' | 'temporal' | 'boolean' | 'other';
  count: number;
  nulls: number;
  distinct: number;
  min?: number | string;
  max?: number | string;
  mean?: number;
  /** Most frequent values, most frequent first (text, boolean). */
  top?: { value: string; count: number }[];
  /** For a numeric column ordered by a temporal or ordinal column: the direction of change. */
  trend?: { direction: 'rising' | 'falling' | 'flat'; by: string; changePercent: number | null };
}

export interface Explanation {
  /** Plain-language summary, built from the statistics (never from the model). */
  summary: string;
  rowCount: number;
  columns: ColumnStatistics[];
}
