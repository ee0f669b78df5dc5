import type { FieldPacket } from 'mysql2/promise';

/**
 * Readable type names for result columns, from the type id in a column definition packet (the server
 * sends ids, not names). Text and binary kinds share ids and differ by character set; ENUM and SET
 * arrive as CHAR with a flag; MariaDB 10.5+ adds an extended type name (`uuid`, `inet6`) and marks JSON.
 */
const TYPE_NAMES: ReadonlyMap<number, string> = new Map([
  [0x00, 'DECIMAL'],
  [0x01, 'TINYINT'],
  [0x02, 'SMALLINT'],
  [0x03, 'INT'],
  [0x04, 'FLOAT'],
  [0x05, 'DOUBLE'],
  [0x06, 'NULL'],
  [0x07, 'TIMESTAMP'],
  [0x08, 'BIGINT'],
  [0x09, 'MEDIUMINT'],
  [0x0a, 'DATE'],
  [0x0b, 'TIME'],
  [0x0c, 'DATETIME'],
  [0x0d, 'YEAR'],
  [0x0e, 'DATE'],
  [0x0f, 'VARCHAR'],
  [0x10, 'BIT'],
  [0xf2, 'VECTOR'],
  [0xf5, 'JSON'],
  [0xf6, 'DECIMAL'],
  [0xf7, 'ENUM'],
  [0xf8, 'SET'],
  [0xf9, 'TINYTEXT'],
  [0xfa, 'MEDIUMTEXT'],
  [0xfb, 'LONGTEXT'],
  [0xfc, 'TEXT'],
  [0xfd, 'VARCHAR'],
  [0xfe, 'CHAR'],
  [0xff, 'GEOMETRY'],
]);

const BINARY_NAMES: ReadonlyMap<string, string> = new Map([
  ['TINYTEXT', 'TINYBLOB'],
  ['MEDIUMTEXT', 'MEDIUMBLOB'],
  ['LONGTEXT', 'LONGBLOB'],
  ['TEXT', 'BLOB'],
  ['VARCHAR', 'VARBINARY'],
  ['CHAR', 'BINARY'],
]);

const NUMERIC = new Set(['TINYINT', 'SMALLINT', 'MEDIUMINT', 'INT', 'BIGINT', 'DECIMAL', 'FLOAT', 'DOUBLE']);

/** The `binary` character set: a string type in it holds bytes, not text. */
const BINARY_CHARSET = 63;
const UNSIGNED_FLAG = 32;
const ENUM_FLAG = 256;
const SET_FLAG = 2048;

export function columnTypeName(field: FieldPacket): string | null {
  if (field.extendedFormat === 'json') return 'JSON';
  if (field.extendedTypeName) return field.extendedTypeName.toUpperCase();
  const id = field.columnType ?? field.type;
  const name = id === undefined ? undefined : TYPE_NAMES.get(id);
  if (name === undefined) return null;
  if (hasFlag(field, ENUM_FLAG, 'ENUM')) return 'ENUM';
  if (hasFlag(field, SET_FLAG, 'SET')) return 'SET';
  if (field.characterSet === BINARY_CHARSET) {
    const binary = BINARY_NAMES.get(name);
    if (binary !== undefined) return binary;
  }
  if (NUMERIC.has(name) && hasFlag(field, UNSIGNED_FLAG, 'UNSIGNED')) return `${name} UNSIGNED`;
  return name;
}

function hasFlag(field: FieldPacket, bit: number, name: string): boolean {
  return typeof field.flags === 'number' ? (field.flags & bit) !== 0 : field.flags.includes(name);
}
