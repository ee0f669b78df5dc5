import type { McpServer, RegisteredTool } from '@modelcontextprotocol/sdk/server/mcp.js';
import { CallToolRequestSchema, ListToolsRequestSchema, type CallToolResult, type Tool, type ToolAnnotations } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { ErrorCode } from '../errors/app-error.js';
import type { Logger } from '../logger.js';
import { errorResult, toolError } from './tool-result.js';

/** What a tool is registered with: zod shapes for its arguments (`{}` for none) and its answer. */
export interface ToolConfig<I extends z.ZodRawShape, O extends z.ZodRawShape> {
  description: string;
  inputSchema: I;
  outputSchema: O;
  annotations?: ToolAnnotations;
}

export interface ToolRegistryOptions {
  /**
   * Largest number of array elements and object members one call's arguments may hold, counted before
   * they are validated: it bounds the work a single call can ask of argument validation.
   */
  maxInputElements: number;
  /** Runs before each tools/list is answered (to enable or disable a tool by what holds at that moment). */
  beforeList?: () => Promise<void>;
  log: Logger;
}

interface Entry {
  handle: RegisteredTool;
  input: z.ZodObject;
  output: z.ZodObject;
  run(args: unknown): Promise<CallToolResult>;
  /** The definition tools/list shows, without `name`; made at the first list. */
  listed?: Omit<Tool, 'name'>;
}

/**
 * The tools of one MCP server. Each is registered with the SDK's McpServer, whose handle (enable(),
 * disable()) decides whether tools/list shows it and announces notifications/tools/list_changed when that
 * changes. tools/list and tools/call are answered here, through the server's public
 * `setRequestHandler`, replacing the two handlers McpServer installs, because neither can be configured:
 *
 * - its tools/list gives every tool `execution: {taskSupport: "forbidden"}` and, in each schema, the JSON
 *   Schema dialect (`$schema`), `additionalProperties: false` and empty `items`. None of it tells a model
 *   anything, and every tools/list costs a model's context those tokens (about 600 of 2,060 over Warden's 13 tools).
 * - its tools/call answers an unknown tool or arguments that fail the schema with a bare text
 *   ("MCP error -32602: …"); here they are BAD_USER_INPUT bodies like every other error a tool gives.
 *
 * A tool that is disabled is not listed, but a call to it is still served: a client may call from a list
 * it got earlier (over stateless HTTP every request has a server of its own), and the tool's service
 * says what is missing.
 */
export class ToolRegistry {
  readonly #server: McpServer;
  readonly #options: ToolRegistryOptions;
  readonly #tools = new Map<string, Entry>();

  constructor(server: McpServer, options: ToolRegistryOptions) {
    this.#server = server;
    this.#options = options;
  }

  /** Registers a tool whose arguments, once they fit `inputSchema`, go to `run`. Returns the SDK's handle. */
  register<I extends z.ZodRawShape, O extends z.ZodRawShape>(
    name: string,
    config: ToolConfig<I, O>,
    run: (args: z.output<z.ZodObject<I>>) => Promise<CallToolResult>,
  ): RegisteredTool {
    const shape = config.inputSchema;
    // Arguments reach `run` only through #call, which parses them with this very schema.
    const parsedRun = (args: unknown) => run(args as z.output<z.ZodObject<I>>);
    // Widened: the SDK's callback type cannot be resolved for a generic shape; it never calls it (see #serve).
    const sdkInput: z.ZodRawShape = shape;
    const sdkOutput: z.ZodRawShape = config.outputSchema;
    const handle = this.#server.registerTool(name, { description: config.description, inputSchema: sdkInput, outputSchema: sdkOutput, annotations: config.annotations }, parsedRun);
    const first = this.#tools.size === 0;
    this.#tools.set(name, { handle, input: z.object(shape), output: z.object(config.outputSchema), run: parsedRun });
    // McpServer installs its handlers with the first tool registered; ours replace them at once.
    if (first) this.#serve();
    return handle;
  }

  #serve(): void {
    const server = this.#server.server;
    server.setRequestHandler(ListToolsRequestSchema, async () => {
      await this.#options.beforeList?.();
      return { tools: [...this.#tools].filter(([, entry]) => entry.handle.enabled).map(([name, entry]) => ({ name, ...(entry.listed ??= definition(entry)) })) };
    });
    server.setRequestHandler(CallToolRequestSchema, async (request) => {
      const { name } = request.params;
      try {
        return await this.#call(name, request.params.arguments ?? {});
      } catch (error) {
        return toolError(error, null, this.#options.log);
      }
    });
  }

  async #call(name: string, args: Record<string, unknown>): Promise<CallToolResult> {
    const entry = this.#tools.get(name);
    if (!entry) return errorResult({ code: ErrorCode.BAD_USER_INPUT, message: `There is no tool "${name}"; tools/list shows the tools there are.`, field: 'name' });
    const max = this.#options.maxInputElements;
    if (elementCount(args, max) > max) {
      return errorResult({ code: ErrorCode.BAD_USER_INPUT, message: `The arguments to ${name} hold more than ${max} values (array elements and object members); send fewer.` });
    }
    const parsed = await entry.input.safeParseAsync(args);
    if (!parsed.success) {
      const issues = parsed.error.issues;
      const field = issues[0]?.path[0];
      return errorResult({
        code: ErrorCode.BAD_USER_INPUT,
        message: `The arguments to ${name} do not fit its input schema (tools/list shows it): ${issues.map((i) => `${i.path.join('.') || 'arguments'}: ${i.message}`).join('; ')}.`,
        ...(typeof field === 'string' ? { field } : {}),
      });
    }
    const result = await entry.run(parsed.data);
    // Our own answer not fitting our own output schema is a fault of ours: masked as INTERNAL, logged.
    if (!result.isError && !(await entry.output.safeParseAsync(result.structuredContent)).success) {
      throw new Error(`the answer of ${name} does not fit its output schema`);
    }
    return result;
  }
}

/** A tool's definition in tools/list: its description, JSON Schemas without what says nothing, hints. */
function definition(entry: Entry): Omit<Tool, 'name'> {
  const { description, title, annotations, _meta } = entry.handle;
  return {
    ...(title ? { title } : {}),
    description,
    inputSchema: jsonSchema(entry.input, 'input') as Tool['inputSchema'],
    outputSchema: jsonSchema(entry.output, 'output') as Tool['outputSchema'],
    ...(annotations ? { annotations } : {}),
    ...(_meta ? { _meta } : {}),
  };
}

/**
 * A zod object as the JSON Schema a client is shown, in the draft the SDK uses, without the dialect,
 * `additionalProperties: false` (the server checks the arguments whatever the client sends) and empty
 * `items` (an empty schema allows anything, as leaving it out does).
 */
function jsonSchema(schema: z.ZodObject, io: 'input' | 'output'): Record<string, unknown> {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, {
    target: 'draft-7',
    io,
    override: ({ jsonSchema: node }) => {
      if (node.additionalProperties === false) delete node.additionalProperties;
      if (node.items !== undefined && typeof node.items === 'object' && !Array.isArray(node.items) && Object.keys(node.items).length === 0) delete node.items;
    },
  });
  return rest;
}

/** Array elements and object members in `value`, counting stopped once past `max`. */
function elementCount(value: unknown, max: number): number {
  let count = 0;
  const stack = [value];
  while (stack.length > 0) {
    const node = stack.pop();
    if (node === null || typeof node !== 'object') continue;
    const children: unknown[] = Array.isArray(node) ? node : Object.values(node);
    count += children.length;
    if (count > max) return count;
    for (const child of children) if (child !== null && typeof child === 'object') stack.push(child);
  }
  return count;
}
