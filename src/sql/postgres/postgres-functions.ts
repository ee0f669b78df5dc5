/**
 * The Postgres functions an agent may call: side-effect-free built-ins only (DESIGN.md, "The SQL
 * gate", step 4). Anything not listed here is denied, so a function Postgres adds in a new release,
 * an extension's function and every user-defined function stay denied until someone decides
 * otherwise. Names are bare and lower-case; `pg_catalog.<name>` is accepted for a listed name and
 * no other schema is.
 *
 * Decisions worth knowing:
 * - Nothing whose name starts with `pg_` is listed: that prefix holds the file, settings, backend,
 *   advisory-lock and statistics functions (pg_read_file, pg_sleep, pg_terminate_backend…).
 * - `random()` and `gen_random_uuid()` are volatile but change nothing anyone else can observe, so
 *   they are allowed; `setseed()` changes the session's generator and is not.
 * - `now()` and the other clock functions are allowed (the SQL value functions CURRENT_DATE,
 *   CURRENT_TIMESTAMP, LOCALTIME… too). The identity ones (CURRENT_USER, SESSION_USER, USER,
 *   CURRENT_ROLE, SYSTEM_USER, CURRENT_SCHEMA, CURRENT_CATALOG, current_database(), version()) are
 *   denied: they tell an agent about the server it has no business knowing.
 * - `current_setting`/`set_config` (settings), `nextval`/`setval`/`currval`/`lastval` (sequences are
 *   written), `txid_*`, `lo_*`, `dblink*`, the `*_to_xml` family (they run a query given as text,
 *   which would bypass the gate) and everything else not below are denied.
 * - `json(b)_populate_record(set)` are denied: they build rows from a table's row type.
 * - Functions that can be made to do a lot of work (`repeat`, `generate_series`, regular
 *   expressions) are allowed: the statement timeout bounds them, not this list.
 * - COALESCE, NULLIF, GREATEST, LEAST, CASE and casts are syntax, not calls: the gate allows them
 *   itself (casts only to built-in scalar types; never to reg* types, which read the catalog).
 * - Names written `"LOWER"` keep their case and are not on this list; Postgres would not find them
 *   either.
 */

/** Aggregates (including ordered-set and hypothetical-set ones). */
export const POSTGRES_AGGREGATE_FUNCTIONS: ReadonlySet<string> = new Set([
  'count', 'sum', 'avg', 'min', 'max', 'any_value',
  'stddev', 'stddev_pop', 'stddev_samp', 'variance', 'var_pop', 'var_samp',
  'corr', 'covar_pop', 'covar_samp',
  'regr_avgx', 'regr_avgy', 'regr_count', 'regr_intercept', 'regr_r2', 'regr_slope', 'regr_sxx', 'regr_sxy', 'regr_syy',
  'string_agg', 'array_agg', 'bool_and', 'bool_or', 'every', 'bit_and', 'bit_or', 'bit_xor',
  'percentile_cont', 'percentile_disc', 'mode',
  'json_agg', 'jsonb_agg', 'json_object_agg', 'jsonb_object_agg',
  'json_agg_strict', 'jsonb_agg_strict', 'json_object_agg_strict', 'jsonb_object_agg_strict',
  'json_object_agg_unique', 'jsonb_object_agg_unique', 'json_object_agg_unique_strict', 'jsonb_object_agg_unique_strict',
  'range_agg', 'range_intersect_agg',
]);

/** Window functions (aggregates may be used as window functions too). */
export const POSTGRES_WINDOW_FUNCTIONS: ReadonlySet<string> = new Set([
  'row_number', 'rank', 'dense_rank', 'percent_rank', 'cume_dist', 'ntile',
  'lag', 'lead', 'first_value', 'last_value', 'nth_value',
]);

/**
 * Set-returning functions, with the columns they produce in FROM when no column definition list is
 * given. An empty list means a single column named after the function (or after the FROM alias).
 */
export const POSTGRES_SET_RETURNING_FUNCTIONS: ReadonlyMap<string, readonly string[]> = new Map<string, readonly string[]>([
  ['generate_series', []],
  ['generate_subscripts', []],
  ['unnest', []],
  ['regexp_matches', []],
  ['regexp_split_to_table', []],
  ['string_to_table', []],
  ['json_array_elements', ['value']],
  ['jsonb_array_elements', ['value']],
  ['json_array_elements_text', ['value']],
  ['jsonb_array_elements_text', ['value']],
  ['json_each', ['key', 'value']],
  ['jsonb_each', ['key', 'value']],
  ['json_each_text', ['key', 'value']],
  ['jsonb_each_text', ['key', 'value']],
  ['json_object_keys', []],
  ['jsonb_object_keys', []],
  ['jsonb_path_query', []],
]);

/**
 * Functions returning `record` whose columns must be given by a column definition list
 * (`… AS x(a int, b text)`); in FROM only.
 */
export const POSTGRES_RECORD_FUNCTIONS: ReadonlySet<string> = new Set([
  'json_to_record', 'jsonb_to_record', 'json_to_recordset', 'jsonb_to_recordset',
]);

const SCALAR_FUNCTIONS = [
  // arithmetic and maths
  'abs', 'round', 'ceil', 'ceiling', 'floor', 'trunc', 'power', 'pow', 'sqrt', 'cbrt', 'exp', 'ln', 'log', 'log10',
  'mod', 'div', 'sign', 'degrees', 'radians', 'pi', 'gcd', 'lcm', 'factorial', 'scale', 'min_scale', 'trim_scale',
  'width_bucket', 'sin', 'cos', 'tan', 'cot', 'asin', 'acos', 'atan', 'atan2', 'sind', 'cosd', 'tand', 'asind', 'acosd',
  'atand', 'atan2d', 'sinh', 'cosh', 'tanh', 'random', 'random_normal', 'num_nulls', 'num_nonnulls',
  // strings
  'lower', 'upper', 'casefold', 'length', 'char_length', 'character_length', 'octet_length', 'bit_length', 'substr',
  'substring', 'position', 'strpos', 'trim', 'btrim', 'ltrim', 'rtrim', 'replace', 'concat', 'concat_ws', 'left',
  'right', 'lpad', 'rpad', 'split_part', 'initcap', 'reverse', 'repeat', 'starts_with', 'translate', 'ascii', 'chr',
  'overlay', 'format', 'quote_ident', 'quote_literal', 'quote_nullable', 'to_hex', 'unistr', 'normalize',
  'is_normalized', 'string_to_array', 'regexp_replace', 'regexp_match', 'regexp_matches', 'regexp_split_to_array',
  'regexp_count', 'regexp_instr', 'regexp_like', 'regexp_substr', 'similar_to_escape', 'like_escape', 'md5',
  'sha224', 'sha256', 'sha384', 'sha512', 'encode', 'decode', 'to_char', 'to_number',
  // date and time
  'now', 'statement_timestamp', 'transaction_timestamp', 'clock_timestamp', 'date_trunc', 'date_part', 'extract',
  'date_bin', 'age', 'make_date', 'make_time', 'make_timestamp', 'make_timestamptz', 'make_interval', 'to_date',
  'to_timestamp', 'justify_days', 'justify_hours', 'justify_interval', 'isfinite', 'timezone', 'overlaps',
  // json and jsonb
  'to_json', 'to_jsonb', 'row_to_json', 'array_to_json', 'json_build_object', 'jsonb_build_object',
  'json_build_array', 'jsonb_build_array', 'json_object', 'jsonb_object', 'json_extract_path',
  'json_extract_path_text', 'jsonb_extract_path', 'jsonb_extract_path_text', 'json_array_length',
  'jsonb_array_length', 'json_typeof', 'jsonb_typeof', 'json_strip_nulls', 'jsonb_strip_nulls', 'jsonb_set',
  'jsonb_set_lax', 'jsonb_insert', 'jsonb_pretty', 'jsonb_path_exists', 'jsonb_path_match', 'jsonb_path_query_array',
  'jsonb_path_query_first',
  // arrays
  'array_length', 'array_lower', 'array_upper', 'array_ndims', 'array_dims', 'cardinality', 'array_to_string',
  'array_append', 'array_prepend', 'array_cat', 'array_position', 'array_positions', 'array_remove',
  'array_replace', 'array_fill', 'trim_array', 'array_reverse', 'array_sample', 'array_shuffle', 'array_sort',
  // ranges
  'int4range', 'int8range', 'numrange', 'daterange', 'tsrange', 'tstzrange', 'isempty', 'lower_inc', 'upper_inc',
  'lower_inf', 'upper_inf', 'range_merge',
  // text search
  'to_tsvector', 'to_tsquery', 'plainto_tsquery', 'phraseto_tsquery', 'websearch_to_tsquery', 'ts_rank',
  'ts_rank_cd', 'ts_headline',
  // misc
  'gen_random_uuid', 'uuid_extract_timestamp', 'uuid_extract_version',
];

/** Every function an agent may call, by bare lower-case name. */
export const POSTGRES_ALLOWED_FUNCTIONS: ReadonlySet<string> = new Set([
  ...SCALAR_FUNCTIONS,
  ...POSTGRES_AGGREGATE_FUNCTIONS,
  ...POSTGRES_WINDOW_FUNCTIONS,
  ...POSTGRES_SET_RETURNING_FUNCTIONS.keys(),
  ...POSTGRES_RECORD_FUNCTIONS,
]);

/** Why a well-known dangerous function is denied, for a message that helps (the default says "not on the allow-list"). */
export const POSTGRES_DENIED_FUNCTION_REASONS: ReadonlyMap<string, string> = new Map([
  ['pg_read_file', 'reads files on the database server'],
  ['pg_read_binary_file', 'reads files on the database server'],
  ['pg_ls_dir', 'lists files on the database server'],
  ['pg_stat_file', 'reads file metadata on the database server'],
  ['lo_import', 'reads files on the database server'],
  ['lo_export', 'writes files on the database server'],
  ['dblink', 'connects to another database'],
  ['dblink_exec', 'connects to another database'],
  ['set_config', 'changes server settings'],
  ['current_setting', 'reveals server settings'],
  ['pg_sleep', 'stalls the server'],
  ['pg_sleep_for', 'stalls the server'],
  ['pg_sleep_until', 'stalls the server'],
  ['query_to_xml', 'runs SQL given as text, out of the gate\'s sight'],
  ['query_to_xml_and_xmlschema', 'runs SQL given as text, out of the gate\'s sight'],
  ['cursor_to_xml', 'reads an open cursor'],
  ['table_to_xml', 'reads a whole table by name'],
  ['pg_terminate_backend', 'kills other sessions'],
  ['pg_cancel_backend', 'cancels other sessions'],
  ['pg_reload_conf', 'reloads the server configuration'],
  ['nextval', 'advances a sequence (a write)'],
  ['setval', 'sets a sequence (a write)'],
  ['currval', 'reads sequence state'],
  ['lastval', 'reads sequence state'],
  ['version', 'reveals the server version'],
  ['current_database', 'reveals the database name'],
  ['inet_server_addr', 'reveals the server address'],
  ['inet_server_port', 'reveals the server port'],
  ['setseed', 'changes the session\'s random generator'],
]);
