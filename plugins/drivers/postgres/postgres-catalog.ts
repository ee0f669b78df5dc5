import type { Catalog, CatalogTable, RelationKind } from '../catalog.js';

/**
 * The whole catalog of a Postgres database (or PGlite) in ONE query: tables and views, their columns,
 * keys and indexes come back as one JSON document, so the cost does not grow with the number of tables.
 * System schemas are left out.
 */
export const CATALOG_QUERY = `
with rels as (
  select c.oid, n.nspname as schema, c.relname as name, c.relkind::text as kind,
         obj_description(c.oid, 'pg_class') as comment, c.reltuples::float8 as reltuples
  from pg_class c
  join pg_namespace n on n.oid = c.relnamespace
  where c.relkind in ('r', 'p', 'v', 'm', 'f')
    and n.nspname not in ('pg_catalog', 'information_schema')
    and n.nspname not like 'pg\\_toast%' and n.nspname not like 'pg\\_temp%'
    and not c.relispartition
)
select json_build_object(
  'searchPath', to_json(current_schemas(false)),
  'schemas', (select coalesce(json_agg(nspname order by nspname), '[]'::json) from pg_namespace
              where nspname not in ('pg_catalog', 'information_schema')
                and nspname not like 'pg\\_toast%' and nspname not like 'pg\\_temp%'),
  'relations', (select coalesce(json_agg(json_build_object(
      'oid', r.oid, 'schema', r.schema, 'name', r.name, 'kind', r.kind, 'comment', r.comment, 'reltuples', r.reltuples)), '[]'::json) from rels r),
  'columns', (select coalesce(json_agg(json_build_object(
      'oid', a.attrelid, 'name', a.attname, 'position', a.attnum,
      'type', format_type(a.atttypid, a.atttypmod), 'notnull', a.attnotnull,
      'default', pg_get_expr(d.adbin, d.adrelid), 'comment', col_description(a.attrelid, a.attnum))
      order by a.attrelid, a.attnum), '[]'::json)
    from pg_attribute a
    join rels r on r.oid = a.attrelid
    left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
    where a.attnum > 0 and not a.attisdropped),
  'constraints', (select coalesce(json_agg(json_build_object(
      'oid', con.conrelid, 'name', con.conname, 'type', con.contype::text,
      'columns', (select json_agg(att.attname order by k.ord) from unnest(con.conkey) with ordinality k(attnum, ord)
                  join pg_attribute att on att.attrelid = con.conrelid and att.attnum = k.attnum),
      'refSchema', rn.nspname, 'refTable', rc.relname,
      'refColumns', (select json_agg(att.attname order by k.ord) from unnest(con.confkey) with ordinality k(attnum, ord)
                     join pg_attribute att on att.attrelid = con.confrelid and att.attnum = k.attnum))), '[]'::json)
    from pg_constraint con
    join rels r on r.oid = con.conrelid
    left join pg_class rc on rc.oid = con.confrelid
    left join pg_namespace rn on rn.oid = rc.relnamespace
    where con.contype in ('p', 'f')),
  'indexes', (select coalesce(json_agg(json_build_object(
      'oid', i.indrelid, 'name', ic.relname, 'unique', i.indisunique, 'primary', i.indisprimary,
      'columns', (select json_agg(coalesce(att.attname, pg_get_indexdef(i.indexrelid, k.ord::int, true)) order by k.ord)
                  from unnest(i.indkey::int2[]) with ordinality k(attnum, ord)
                  left join pg_attribute att on att.attrelid = i.indrelid and att.attnum = k.attnum
                  where k.ord <= i.indnkeyatts))), '[]'::json)
    from pg_index i
    join rels r on r.oid = i.indrelid
    join pg_class ic on ic.oid = i.indexrelid)
) as catalog
`;

interface RawCatalog {
  searchPath?: string[];
  schemas: string[];
  relations: { oid: number; schema: string; name: string; kind: string; comment: string | null; reltuples: number }[];
  columns: { oid: number; name: string; position: number; type: string; notnull: boolean; default: string | null; comment: string | null }[];
  constraints: {
    oid: number;
    name: string;
    type: 'p' | 'f';
    columns: string[];
    refSchema: string | null;
    refTable: string | null;
    refColumns: string[] | null;
  }[];
  indexes: { oid: number; name: string; unique: boolean; primary: boolean; columns: string[] | null }[];
}

const KINDS: Record<string, RelationKind> = { r: 'TABLE', p: 'TABLE', f: 'TABLE', v: 'VIEW', m: 'MATERIALIZED_VIEW' };

/** Shapes the JSON document CATALOG_QUERY returns into a Catalog. */
export function toCatalog(raw: unknown): Catalog {
  const data = (typeof raw === 'string' ? JSON.parse(raw) : raw) as RawCatalog;
  const tables = new Map<number, CatalogTable>();
  for (const r of data.relations) {
    tables.set(r.oid, {
      schema: r.schema,
      name: r.name,
      kind: KINDS[r.kind] ?? 'TABLE',
      comment: r.comment,
      // -1 means "never analysed"; views have no estimate.
      rowEstimate: r.reltuples >= 0 && r.kind !== 'v' ? Math.round(r.reltuples) : null,
      columns: [],
      primaryKey: [],
      foreignKeys: [],
      indexes: [],
    });
  }
  for (const c of data.columns) {
    tables.get(c.oid)?.columns.push({
      name: c.name,
      position: c.position,
      dataType: c.type,
      nullable: !c.notnull,
      defaultValue: c.default,
      comment: c.comment,
    });
  }
  for (const con of data.constraints) {
    const table = tables.get(con.oid);
    if (!table) continue;
    if (con.type === 'p') table.primaryKey = con.columns;
    else {
      table.foreignKeys.push({
        name: con.name,
        columns: con.columns,
        referencedSchema: con.refSchema ?? '',
        referencedTable: con.refTable ?? '',
        referencedColumns: con.refColumns ?? [],
      });
    }
  }
  for (const index of data.indexes) {
    tables.get(index.oid)?.indexes.push({
      name: index.name,
      columns: index.columns ?? [],
      unique: index.unique,
      primary: index.primary,
    });
  }
  const sorted = [...tables.values()].sort((a, b) => a.schema.localeCompare(b.schema) || a.name.localeCompare(b.name));
  for (const table of sorted) {
    table.columns.sort((a, b) => a.position - b.position);
    table.foreignKeys.sort((a, b) => a.name.localeCompare(b.name));
    table.indexes.sort((a, b) => a.name.localeCompare(b.name));
  }
  return { schemas: data.schemas, searchPath: data.searchPath ?? [], tables: sorted };
}
