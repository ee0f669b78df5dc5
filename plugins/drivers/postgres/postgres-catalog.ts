import type { Catalog, CatalogConstraint, CatalogTable, ConstraintKind, RelationKind } from '../catalog.js';

/**
 * The whole catalog of a Postgres database (or PGlite) in ONE query: tables and views, their columns,
 * keys, constraints and indexes come back as one JSON document, so the cost does not grow with the number of tables.
 * System schemas are left out.
 *
 * What a view or materialized view reads comes from the dependencies PostgreSQL records for its rules
 * (pg_depend of its pg_rewrite rows): every relation and column the definition names, so a grant
 * decision can follow a view to the tables behind it. A dependency on a whole relation (a whole-row
 * reference, `count(*)`) has no column and stands for all of them. A view that calls a function of
 * its own database (built-ins are pinned and leave no dependency) may read anything that function
 * reads, which no dependency shows: what it reads is unknown.
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
                     join pg_attribute att on att.attrelid = con.confrelid and att.attnum = k.attnum),
      'definition', case when con.contype = 'c' then pg_get_constraintdef(con.oid, true) end)), '[]'::json)
    from pg_constraint con
    join rels r on r.oid = con.conrelid
    left join pg_class rc on rc.oid = con.confrelid
    left join pg_namespace rn on rn.oid = rc.relnamespace
    where con.contype in ('p', 'f', 'u', 'c')),
  'indexes', (select coalesce(json_agg(json_build_object(
      'oid', i.indrelid, 'name', ic.relname, 'unique', i.indisunique, 'primary', i.indisprimary,
      'columns', (select json_agg(coalesce(att.attname, pg_get_indexdef(i.indexrelid, k.ord::int, true)) order by k.ord)
                  from unnest(i.indkey::int2[]) with ordinality k(attnum, ord)
                  left join pg_attribute att on att.attrelid = i.indrelid and att.attnum = k.attnum
                  where k.ord <= i.indnkeyatts))), '[]'::json)
    from pg_index i
    join rels r on r.oid = i.indrelid
    join pg_class ic on ic.oid = i.indexrelid),
  'reads', (select coalesce(json_agg(json_build_object(
      'oid', r.oid, 'schema', rn.nspname, 'name', rc.relname, 'column', att.attname)), '[]'::json)
    from rels r
    join pg_rewrite rw on rw.ev_class = r.oid
    join pg_depend d on d.classid = 'pg_rewrite'::regclass and d.objid = rw.oid
                    and d.refclassid = 'pg_class'::regclass and d.refobjid <> r.oid
    join pg_class rc on rc.oid = d.refobjid
    join pg_namespace rn on rn.oid = rc.relnamespace
    left join pg_attribute att on d.refobjsubid > 0 and att.attrelid = d.refobjid and att.attnum = d.refobjsubid
    where r.kind in ('v', 'm')),
  'opaque', (select coalesce(json_agg(distinct r.oid), '[]'::json)
    from rels r
    join pg_rewrite rw on rw.ev_class = r.oid
    join pg_depend d on d.classid = 'pg_rewrite'::regclass and d.objid = rw.oid and d.refclassid = 'pg_proc'::regclass
    where r.kind in ('v', 'm'))
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
    type: 'p' | 'f' | 'u' | 'c';
    /** null for a CHECK that names no column. */
    columns: string[] | null;
    refSchema: string | null;
    refTable: string | null;
    refColumns: string[] | null;
    /** CHECK only: its expression, as pg_get_constraintdef prints it. */
    definition?: string | null;
  }[];
  indexes: { oid: number; name: string; unique: boolean; primary: boolean; columns: string[] | null }[];
  /** Absent: nothing is known of what views read (they get `reads: null`). */
  reads?: { oid: number; schema: string; name: string; column: string | null }[];
  /** Views that call a function defined in the database. */
  opaque?: number[];
}

const KINDS: Record<string, RelationKind> = { r: 'TABLE', p: 'TABLE', f: 'TABLE', v: 'VIEW', m: 'MATERIALIZED_VIEW' };
const CONSTRAINT_KINDS: Record<RawCatalog['constraints'][number]['type'], ConstraintKind> = { p: 'PRIMARY_KEY', u: 'UNIQUE', c: 'CHECK', f: 'FOREIGN_KEY' };

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
      constraints: [],
      ...(r.kind === 'v' || r.kind === 'm' ? { reads: data.reads ? [] : null } : {}),
    });
  }
  for (const read of data.reads ?? []) {
    const reads = tables.get(read.oid)?.reads;
    if (!reads) continue;
    const known = reads.find((x) => x.schema === read.schema && x.name === read.name);
    const entry = known ?? { schema: read.schema, name: read.name, columns: [] as string[] | null };
    if (!known) reads.push(entry);
    if (read.column === null) entry.columns = null;
    else if (entry.columns && !entry.columns.includes(read.column)) entry.columns.push(read.column);
  }
  for (const oid of data.opaque ?? []) {
    const table = tables.get(oid);
    if (table?.reads) table.reads = null;
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
    const columns = con.columns ?? [];
    const constraint: CatalogConstraint = { name: con.name, kind: CONSTRAINT_KINDS[con.type], columns };
    if (con.type === 'p') table.primaryKey = columns;
    else if (con.type === 'f') {
      const key = { referencedSchema: con.refSchema ?? '', referencedTable: con.refTable ?? '', referencedColumns: con.refColumns ?? [] };
      table.foreignKeys.push({ name: con.name, columns, ...key });
      Object.assign(constraint, key);
    } else if (con.type === 'c') constraint.definition = con.definition ?? null;
    table.constraints?.push(constraint);
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
    table.constraints?.sort((a, b) => a.name.localeCompare(b.name));
    table.reads?.sort((a, b) => a.schema.localeCompare(b.schema) || a.name.localeCompare(b.name));
  }
  return { schemas: data.schemas, searchPath: data.searchPath ?? [], tables: sorted };
}
