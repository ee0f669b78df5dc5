import { AppError, ErrorCode } from '../errors/app-error.js';
import { randomBase32 } from '../ids.js';
import { DEFAULT_TEMPLATE, validateTemplate } from '../nl/prompt-template.js';
import type { Store } from '../store/open-store.js';
import type { PromptTemplateRecord } from '../store/repositories/index.js';

export interface CreatePromptTemplateInput {
  /** `default` (the one askDatabase uses) when omitted. */
  name?: string | null | undefined;
  system: string;
  user: string;
}

/** A prompt template as the API and the pipeline see it. */
export interface PromptTemplateView {
  /** Null for the built-in default. */
  id: string | null;
  name: string;
  /** 1, 2, … per name; DEFAULT_TEMPLATE's own version for the built-in default (tell them apart by `builtIn`). */
  version: number;
  system: string;
  user: string;
  active: boolean;
  /** The one that ships with Warden, used while no stored version of its name is active. */
  builtIn: boolean;
  createdAt: Date | null;
  createdBy: string | null;
}

export const DEFAULT_TEMPLATE_NAME = 'default';

const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;
const MAX_PART_LENGTH = 20_000;

/**
 * Versioned prompt templates. Creating one stores the next version of its name, inactive; activating a
 * version deactivates the others of that name in the same transaction, so at most one is in effect.
 * With none active, the built-in default is.
 */
export class PromptTemplateService {
  constructor(
    private readonly store: Store,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Stored templates by name, newest version first; one name only when given. */
  async list(name?: string | null): Promise<PromptTemplateView[]> {
    const rows = await this.store.repos.promptTemplates.list(name === undefined || name === null ? undefined : name.trim());
    return rows.map(toView);
  }

  /** Stores the next version of `name`, inactive: activate it to put it in use. */
  async create(input: CreatePromptTemplateInput, createdBy: string | null = null): Promise<PromptTemplateView> {
    const name = checkName(input.name ?? DEFAULT_TEMPLATE_NAME);
    const system = checkPart('system', input.system);
    const user = checkPart('user', input.user);
    validateTemplate({ name, version: 0, system, user });
    const record = await this.store.transaction(
      async (repos) => {
        const version = (await repos.promptTemplates.latestVersion(name)) + 1;
        return repos.promptTemplates.insert({
          id: `tpl_${randomBase32(16)}`,
          name,
          version,
          system,
          userText: user,
          active: false,
          createdAt: this.now(),
          createdBy,
        });
      },
      { lock: `warden:prompt-template:${name}` },
    );
    return toView(record);
  }

  /** Puts a stored version in use; the other versions of its name stop being active. */
  async activate(id: string): Promise<PromptTemplateView> {
    const found = await this.store.repos.promptTemplates.findById(id);
    if (!found) throw notFound(id);
    const record = await this.store.transaction(
      async (repos) => {
        const activated = await repos.promptTemplates.activate(id, found.name);
        if (!activated) throw notFound(id);
        return activated;
      },
      { lock: `warden:prompt-template:${found.name}` },
    );
    return toView(record);
  }

  /** The template in use under `name`: its active stored version, else the built-in default. */
  async active(name: string = DEFAULT_TEMPLATE_NAME): Promise<PromptTemplateView> {
    const record = await this.store.repos.promptTemplates.findActive(name);
    if (record) return toView(record);
    return {
      id: null,
      name: DEFAULT_TEMPLATE.name,
      version: DEFAULT_TEMPLATE.version,
      system: DEFAULT_TEMPLATE.system,
      user: DEFAULT_TEMPLATE.user,
      active: true,
      builtIn: true,
      createdAt: null,
      createdBy: null,
    };
  }
}

function toView(record: PromptTemplateRecord): PromptTemplateView {
  return {
    id: record.id,
    name: record.name,
    version: record.version,
    system: record.system,
    user: record.userText,
    active: record.active,
    builtIn: false,
    createdAt: record.createdAt,
    createdBy: record.createdBy,
  };
}

function checkName(raw: string): string {
  const name = raw.trim();
  if (!NAME_PATTERN.test(name)) {
    throw new AppError(ErrorCode.BAD_USER_INPUT, 'A template name is 1 to 63 letters, digits, dots, dashes or underscores, starting with a letter or digit.', {
      field: 'name',
    });
  }
  return name;
}

function checkPart(field: 'system' | 'user', text: string): string {
  if (text.trim().length === 0 || text.length > MAX_PART_LENGTH) {
    throw new AppError(ErrorCode.BAD_USER_INPUT, `The ${field} text of a template is 1 to ${MAX_PART_LENGTH.toLocaleString('en')} characters.`, { field });
  }
  return text;
}

function notFound(id: string): AppError {
  return new AppError(ErrorCode.NOT_FOUND, `No prompt template has the id "${id}". The promptTemplates query lists them.`);
}
