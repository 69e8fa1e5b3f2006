// The ports are interfaces and types: no runtime code may live in src/ports
// (helpers belong to the domain), so each file must compile to nothing.
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const portsDirectory = path.resolve(import.meta.dirname, '../../src/ports');
// The injection tokens are symbols, runtime values on purpose; they are leaving src/ports.
const NOT_TYPES_ONLY = new Set(['tokens.ts']);

const portFiles = readdirSync(portsDirectory)
  .filter((file) => file.endsWith('.ts') && !NOT_TYPES_ONLY.has(file))
  .sort();

/** The statements of the JavaScript TypeScript emits for a source file, comments and blank lines left out. */
function emittedStatements(file: string): string[] {
  const { outputText } = ts.transpileModule(readFileSync(path.join(portsDirectory, file), 'utf8'), {
    fileName: file,
    compilerOptions: {
      module: ts.ModuleKind.ESNext,
      target: ts.ScriptTarget.ES2022,
      verbatimModuleSyntax: true,
      removeComments: true,
    },
  });
  return outputText
    .replace(/\/\/# sourceMappingURL=.*$/m, '')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');
}

describe('src/ports', () => {
  it('has port files to check', () => {
    expect(portFiles).toEqual(expect.arrayContaining(['build-repository.port.ts', 'execution-starter.port.ts', 'index.ts']));
  });

  it.each(portFiles)('%s holds types only: it compiles to nothing but `export {}`', (file) => {
    const statements = emittedStatements(file);
    expect(statements.filter((statement) => statement !== 'export {};')).toEqual([]);
  });

  it('would catch a runtime export', () => {
    const { outputText } = ts.transpileModule('export const x = 1;\nexport type Y = string;\n', {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: true, removeComments: true },
    });
    expect(outputText).toContain('export const x = 1;');
  });
});
