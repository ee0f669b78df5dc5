/**
 * Which MySQL/MariaDB functions a statement may call (DESIGN.md, "The SQL gate", step 4).
 *
 * An allow-list of side-effect-free built-ins, lower-case. Everything else is denied, including any
 * user-defined or schema-qualified function (`shop.f()`), because the gate cannot know what it does.
 * Names here are only ever looked up after the parser has recognised a function call, so an entry
 * cannot make a statement type or a clause acceptable by itself.
 *
 * Decisions worth knowing:
 * - RAND() is allowed: non-deterministic but harmless.
 * - UUID()/UUID_SHORT()/SYS_GUID() are denied: MySQL's UUID() is version 1 and embeds the server's MAC
 *   address, and UUID_SHORT() its server id — small leaks about the host, of no use for analysis.
 * - MD5/SHA1/SHA2 are allowed: pure functions of their argument.
 * - USER(), CURRENT_USER(), DATABASE(), VERSION(), CONNECTION_ID(), LAST_INSERT_ID(), ROW_COUNT(),
 *   FOUND_ROWS() are denied: they reveal server or session state rather than data.
 * - VALUES(col) is accepted only inside INSERT … ON DUPLICATE KEY UPDATE, by the resolver itself.
 * - EXISTS / ANY / ALL / SOME are operators on sub-queries (the parser shows them as functions); the
 *   resolver handles them and does not list them as functions.
 */

const MATH = [
  'abs', 'round', 'ceil', 'ceiling', 'floor', 'truncate', 'pow', 'power', 'sqrt', 'exp', 'ln', 'log',
  'log2', 'log10', 'mod', 'sign', 'greatest', 'least', 'pi', 'degrees', 'radians', 'sin', 'cos', 'tan',
  'cot', 'asin', 'acos', 'atan', 'atan2', 'rand', 'crc32', 'conv', 'bin', 'oct',
];

const STRING = [
  'lower', 'lcase', 'upper', 'ucase', 'length', 'char_length', 'character_length', 'octet_length',
  'bit_length', 'substr', 'substring', 'mid', 'substring_index', 'locate', 'instr', 'position', 'trim',
  'ltrim', 'rtrim', 'replace', 'concat', 'concat_ws', 'left', 'right', 'lpad', 'rpad', 'reverse',
  'repeat', 'format', 'md5', 'sha1', 'sha2', 'space', 'ascii', 'ord', 'char', 'field', 'find_in_set',
  'elt', 'strcmp', 'hex', 'unhex', 'soundex', 'regexp_replace', 'regexp_substr', 'regexp_instr',
  'regexp_like', 'to_base64', 'from_base64',
];

const DATE_TIME = [
  'now', 'curdate', 'current_date', 'curtime', 'current_time', 'current_timestamp', 'localtime',
  'localtimestamp', 'utc_date', 'utc_time', 'utc_timestamp', 'sysdate', 'date', 'time', 'timestamp',
  'date_format', 'time_format', 'date_add', 'date_sub', 'adddate', 'subdate', 'addtime', 'subtime',
  'datediff', 'timediff', 'timestampdiff', 'timestampadd', 'year', 'month', 'day', 'dayofmonth', 'hour',
  'minute', 'second', 'microsecond', 'week', 'weekofyear', 'yearweek', 'quarter', 'dayofweek',
  'dayofyear', 'weekday', 'dayname', 'monthname', 'str_to_date', 'unix_timestamp', 'from_unixtime',
  'last_day', 'makedate', 'maketime', 'to_days', 'from_days', 'to_seconds', 'sec_to_time',
  'time_to_sec', 'convert_tz', 'period_add', 'period_diff',
];

const AGGREGATE = [
  'count', 'sum', 'avg', 'min', 'max', 'std', 'stddev', 'stddev_pop', 'stddev_samp', 'variance',
  'var_pop', 'var_samp', 'group_concat', 'json_arrayagg', 'json_objectagg', 'bit_and', 'bit_or',
  'bit_xor',
];

const WINDOW = [
  'row_number', 'rank', 'dense_rank', 'percent_rank', 'cume_dist', 'ntile', 'lag', 'lead',
  'first_value', 'last_value', 'nth_value', 'median', 'percentile_cont', 'percentile_disc',
];

const CONTROL = ['if', 'ifnull', 'nullif', 'coalesce', 'isnull'];

const JSON_FUNCTIONS = [
  'json_extract', 'json_unquote', 'json_object', 'json_array', 'json_length', 'json_contains',
  'json_contains_path', 'json_keys', 'json_type', 'json_valid', 'json_value', 'json_search',
  'json_depth', 'json_quote',
];

const CONVERSION = ['cast', 'convert', 'extract'];

/** Lower-case names of the functions a MySQL/MariaDB statement may call. */
export const MYSQL_ALLOWED_FUNCTIONS: ReadonlySet<string> = new Set([
  ...MATH, ...STRING, ...DATE_TIME, ...AGGREGATE, ...WINDOW, ...CONTROL, ...JSON_FUNCTIONS, ...CONVERSION,
]);

/** Why some well-known functions are denied, to make the denial message useful. Not exhaustive: anything absent from the allow-list is denied anyway. */
export const MYSQL_DENIED_FUNCTION_REASONS: ReadonlyMap<string, string> = new Map([
  ['load_file', 'it reads files on the database server'],
  ['sleep', 'it stalls the connection'],
  ['benchmark', 'it burns server CPU on purpose'],
  ['get_lock', 'it takes a server-wide named lock'],
  ['release_lock', 'it releases a server-wide named lock'],
  ['release_all_locks', 'it releases server-wide named locks'],
  ['is_free_lock', 'it inspects server-wide named locks'],
  ['is_used_lock', 'it inspects server-wide named locks'],
  ['master_pos_wait', 'it blocks on replication'],
  ['source_pos_wait', 'it blocks on replication'],
  ['master_gtid_wait', 'it blocks on replication'],
  ['wait_for_executed_gtid_set', 'it blocks on replication'],
  ['sys_exec', 'it runs operating-system commands (a UDF)'],
  ['sys_eval', 'it runs operating-system commands (a UDF)'],
  ['user', 'it reveals the session user'],
  ['current_user', 'it reveals the session user'],
  ['session_user', 'it reveals the session user'],
  ['system_user', 'it reveals the session user'],
  ['current_role', 'it reveals the session roles'],
  ['database', 'it reveals the session database'],
  ['schema', 'it reveals the session database'],
  ['version', 'it reveals the server version'],
  ['connection_id', 'it reveals session information'],
  ['last_insert_id', 'it reveals session information'],
  ['row_count', 'it reveals session information'],
  ['found_rows', 'it reveals session information'],
  ['uuid', 'MySQL UUID() embeds the server MAC address'],
  ['uuid_short', 'it embeds the server id'],
  ['sys_guid', 'it embeds the server MAC address'],
  ['name_const', 'it is only meant for stored routines'],
  ['values', 'VALUES() is only meaningful in INSERT … ON DUPLICATE KEY UPDATE'],
]);
