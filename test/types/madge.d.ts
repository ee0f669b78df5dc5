// The part of madge's API (https://github.com/pahen/madge#api) that test/unit/architecture.test.ts uses;
// madge ships no type declarations of its own.
declare module 'madge' {
  export interface MadgeDetectiveOptions {
    skipTypeImports?: boolean;
    skipAsyncImports?: boolean;
  }

  export interface MadgeConfig {
    baseDir?: string;
    fileExtensions?: string[];
    excludeRegExp?: (string | RegExp)[];
    tsConfig?: string | object;
    detectiveOptions?: { ts?: MadgeDetectiveOptions; tsx?: MadgeDetectiveOptions };
  }

  export interface MadgeResult {
    /** Each file (relative to baseDir) and the files it imports. */
    obj(): Record<string, string[]>;
    /** Each import cycle, as the files on it. */
    circular(): string[][];
    /** Imports that resolved to no file of the graph (packages without a file, assets). */
    warnings(): { skipped: string[] };
  }

  export default function madge(path: string | string[], config?: MadgeConfig): Promise<MadgeResult>;
}
