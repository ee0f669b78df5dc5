import { EXIT_CODES } from './exit-codes.js';

/**
 * What `warden --help` and `warden <command> --help` print. Kept apart from the commands, so help is
 * answered without loading the GraphQL client.
 */
export const COMMAND_USAGE = {
  agent: `  warden agent create <name> [--role AGENT|ADMIN] [--description TEXT]
                                  register an agent; prints its API key, once
  warden agent list [--status ACTIVE|REVOKED] [--role AGENT|ADMIN] [--name PART]
  warden agent rotate <agent> [--keep-previous]
                                  issue a new key (printed once); the old ones stop unless --keep-previous
  warden agent revoke <agent>     end the agent's keys and grants at once`,
  db: `  warden db connect <name> --url URL|- [--engine postgres|mysql|pglite|mongodb] [--description TEXT]
                                  register a database (tested first); --url - reads it from stdin
  warden db list
  warden db test <database>       check that the gateway reaches it (exit 8 when it does not)`,
  grant: `  warden grant add --agent A --database D [--table T] [--schema S] [--columns C1,C2]
                  [--scope DATABASE|SCHEMA|TABLE|COLUMNS] [--actions READ[,INSERT,UPDATE,DELETE|ALL]]
                  [--row-filter SQL] [--mask COLUMN[=EXPRESSION]]... [--max-rows N]
                  [--max-cost N] [--max-estimated-rows N] [--expires-at ISO-DATE]
                                  scope follows from --columns, --table or --schema (else DATABASE);
                                  actions default to READ; a mask without expression shows NULL
  warden grant list [--agent A] [--database D]
  warden grant revoke <grant-id>`,
  preview: `  warden preview [--agent A] [--database D]
                                  every table as the agent would find it (default: the key's own agent)`,
  query: `  warden query [--database D] [--param VALUE]... [--max-rows N] "SQL"
                                  run one statement (SQL - reads it from stdin); a --param is JSON
                                  when it parses as JSON (5, true, null), else a string
  warden query [--database D] --ask "QUESTION"
                                  ask in plain words (a language model writes the SQL)
  warden query [--database D] --explain "SQL"
                                  the plan, without running it`,
  audit: `  warden audit tail [-n N] [--agent A] [--database D] [--action NAME] [--decision ALLOWED|DENIED|FAILED]
                  [--follow]      the last N (default 20) audit events, oldest first; --follow then
                                  prints each new one as it happens, until Ctrl-C`,
} as const;

export type CommandGroup = keyof typeof COMMAND_USAGE;

export const COMMAND_GROUPS = Object.keys(COMMAND_USAGE) as CommandGroup[];

const exitCodeLines = EXIT_CODES.map((row) =>
  wrap(`${String(row.exit).padStart(4)}  ${row.codes.length > 0 ? `${row.codes.join(', ')}: ` : ''}${row.meaning}`, 100, '      '),
).join('\n');

/** Words to lines of at most `width` characters, the lines after the first indented. */
function wrap(text: string, width: number, indent: string): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/(?<=\S) (?=\S)/)) {
    if (line !== '' && line.length + 1 + word.length > width) {
      lines.push(line);
      line = indent + word;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  return [...lines, line].join('\n');
}

export const USAGE = `Usage: warden [command] [--json]

Run the gateway:
  warden [serve]                  serve GraphQL at /graphql and MCP at /mcp over HTTP (the default)
  warden mcp                      speak MCP over stdin/stdout for one agent (key in WARDEN_API_KEY);
                                  with WARDEN_URL through that running gateway, else opening the store
                                  itself (WARDEN_STORE_URL, or WARDEN_DATA_DIR). Logs go to stderr.
  The gateway's configuration comes from the environment (WARDEN_STORE_URL, WARDEN_SECRET_KEY, …): README.md.

Talk to a running gateway (<agent>, <database>: a name or an id):
${Object.values(COMMAND_USAGE).join('\n')}

  WARDEN_URL   the gateway's address (default http://127.0.0.1:4000)
  WARDEN_KEY   the API key to act with: an admin's for agent, db, grant and audit; an agent's to query
               as that agent. It is read from the environment only, never from the command line
               (where other users could see it in the process list).
  --json       print the data as JSON on stdout (a list as an array; audit tail --follow: one event a
               line) and errors as JSON on stderr; without it, aligned tables
  --help       this text; warden <command> --help: that command's

Exit codes:
${exitCodeLines}
`;

export function commandUsage(group: CommandGroup): string {
  return `Usage:\n${COMMAND_USAGE[group]}\n\nWARDEN_URL and WARDEN_KEY say where and as whom; --json prints JSON. warden --help lists the exit codes.\n`;
}
