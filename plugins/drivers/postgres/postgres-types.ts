/** Names of the common built-in Postgres types by OID, for result column descriptions. */
const TYPE_NAMES: Record<number, string> = {
  16: 'boolean', 17: 'bytea', 18: 'char', 19: 'name', 20: 'bigint', 21: 'smallint', 23: 'integer', 25: 'text',
  26: 'oid', 114: 'json', 142: 'xml', 600: 'point', 650: 'cidr', 700: 'real', 701: 'double precision',
  790: 'money', 829: 'macaddr', 869: 'inet', 1000: 'boolean[]', 1005: 'smallint[]', 1007: 'integer[]',
  1009: 'text[]', 1016: 'bigint[]', 1021: 'real[]', 1022: 'double precision[]', 1042: 'character',
  1043: 'character varying', 1082: 'date', 1083: 'time', 1114: 'timestamp', 1184: 'timestamptz',
  1186: 'interval', 1231: 'numeric[]', 1266: 'timetz', 1560: 'bit', 1562: 'varbit', 1700: 'numeric',
  2950: 'uuid', 3802: 'jsonb', 3904: 'int4range', 3926: 'int8range', 3912: 'daterange', 3910: 'tstzrange',
};

export function postgresTypeName(oid: number): string {
  return TYPE_NAMES[oid] ?? `oid:${oid}`;
}
