import type { AgentFieldsFragment } from '../../sdk/client.js';
import { UsageError } from './cli-errors.js';
import { cell, time, type Output } from './cli-output.js';
import { commandUsage } from './cli-usage.js';
import { choiceFlag, onePositional, parseCommandArgs, type Command } from './command-context.js';
import { agentIdOf, allPages } from './gateway-client.js';

const USAGE = commandUsage('agent');
const ROLES = ['AGENT', 'ADMIN'] as const;
const STATUSES = ['ACTIVE', 'REVOKED'] as const;

/** warden agent create | list | rotate | revoke */
export const agentCommand: Command = async ([subcommand, ...args], context) => {
  const { out } = context;
  switch (subcommand) {
    case 'create': {
      const { values, positionals } = parseCommandArgs(args, { role: { type: 'string' }, description: { type: 'string' } }, USAGE);
      const name = onePositional(positionals, 'the agent\'s name', USAGE);
      const role = choiceFlag(values.role, '--role', ROLES, USAGE);
      const { registerAgent } = await context.client().RegisterAgent({
        input: { name, ...(role ? { role } : {}), ...(values.description !== undefined ? { description: values.description } : {}) },
      });
      if (out.json) return out.value(registerAgent);
      agentTable(out, [registerAgent.agent]);
      return printKey(out, registerAgent.key);
    }
    case 'list': {
      const { values, positionals } = parseCommandArgs(
        args,
        { status: { type: 'string' }, role: { type: 'string' }, name: { type: 'string' } },
        USAGE,
      );
      if (positionals.length > 0) throw new UsageError(`Unexpected argument "${positionals[0]}".`, USAGE);
      const status = choiceFlag(values.status, '--status', STATUSES, USAGE);
      const role = choiceFlag(values.role, '--role', ROLES, USAGE);
      const filter = { ...(status ? { status } : {}), ...(role ? { role } : {}), ...(values.name ? { nameContains: values.name } : {}) };
      const client = context.client();
      const agents = await allPages(async (page) => (await client.Agents({ ...page, filter })).agents);
      return out.json ? out.value(agents) : agentTable(out, agents, 'No agents.');
    }
    case 'rotate': {
      const { values, positionals } = parseCommandArgs(args, { 'keep-previous': { type: 'boolean' } }, USAGE);
      const client = context.client();
      const agentId = await agentIdOf(client, onePositional(positionals, 'the agent (a name or an id)', USAGE));
      const { rotateAgentKey } = await client.RotateAgentKey({ agentId, revokePrevious: values['keep-previous'] !== true });
      if (out.json) return out.value(rotateAgentKey);
      agentTable(out, [rotateAgentKey.agent]);
      printKey(out, rotateAgentKey.key);
      return out.write(values['keep-previous'] ? "The agent's other keys still work.\n" : "The agent's other keys stopped working.\n");
    }
    case 'revoke': {
      const { positionals } = parseCommandArgs(args, {}, USAGE);
      const client = context.client();
      const id = await agentIdOf(client, onePositional(positionals, 'the agent (a name or an id)', USAGE));
      const { revokeAgent } = await client.RevokeAgent({ id });
      if (out.json) return out.value(revokeAgent);
      agentTable(out, [revokeAgent]);
      return out.write('Its keys, grants and open subscriptions ended.\n');
    }
    default:
      throw new UsageError(subcommand === undefined ? 'Missing the agent subcommand.' : `Unknown subcommand "agent ${subcommand}".`, USAGE);
  }
};

function agentTable(out: Output, agents: readonly AgentFieldsFragment[], empty?: string): void {
  out.table(
    ['ID', 'NAME', 'ROLE', 'STATUS', 'CREATED', 'DESCRIPTION'],
    agents.map((a) => [a.id, a.name, a.role, a.status, time(a.createdAt), cell(a.description)]),
    empty,
  );
}

function printKey(out: Output, key: string): void {
  out.write(`\nAPI key (shown this once; Warden keeps only its hash):\n\n  ${key}\n\n`);
}
