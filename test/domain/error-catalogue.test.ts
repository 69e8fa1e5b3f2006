// ERROR_CATALOGUE lists every code the package throws, and only those: each
// error class's `code` is held to it both ways, from the sources (every class
// in src, whoever owns the file) and from real instances.
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import {
  BuildAlreadyExistsError,
  BuildNotFoundError,
  BuildRecordTooLargeError,
  BuildsByStatusUnavailableError,
  ERROR_CATALOGUE,
  IllegalTransitionError,
  PermanentExecutionStartError,
  TransientExecutionStartError,
  ValidationError,
  pendingBuild,
  type OrchestratorError,
} from '../../src/domain/index.js';
import { EnvironmentVariableError } from '../../src/composition/lambda/environment.js';
import { BuildsTableNotFoundError } from '../../src/adapters/driving/cli/aws-problems.js';
import { aBuildKey, aNewBuild } from '../support/mothers/build.mother.js';

const src = path.resolve(import.meta.dirname, '../../src');

/** What a class declaration in src says about itself. */
interface DeclaredClass {
  readonly file: string;
  readonly className: string;
  readonly extends: string | undefined;
  readonly abstract: boolean;
  /** The literals of `code`, `name` and `static stableName`, when it declares them. */
  readonly code: string | undefined;
  readonly name: string | undefined;
  readonly stableName: string | undefined;
}

function sourceFiles(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(directory, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [full] : [];
  });
}

function literalOf(member: ts.ClassElement): string | undefined {
  if (!ts.isPropertyDeclaration(member) || !member.initializer) return undefined;
  return ts.isStringLiteralLike(member.initializer) ? member.initializer.text : undefined;
}

function declaredClasses(): DeclaredClass[] {
  const classes: DeclaredClass[] = [];
  for (const file of sourceFiles(src)) {
    const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);
    const visit = (node: ts.Node): void => {
      if (ts.isClassDeclaration(node) && node.name) {
        const heritage = node.heritageClauses?.find((clause) => clause.token === ts.SyntaxKind.ExtendsKeyword)?.types[0]?.expression;
        const member = (name: string, isStatic: boolean) =>
          node.members.find(
            (candidate) =>
              ts.isPropertyDeclaration(candidate) &&
              candidate.name.getText(source) === name &&
              ((ts.getCombinedModifierFlags(candidate) & ts.ModifierFlags.Static) !== 0) === isStatic,
          );
        const code = member('code', false);
        const name = member('name', false);
        const stableName = member('stableName', true);
        classes.push({
          file: path.relative(src, file),
          className: node.name.text,
          extends: heritage?.getText(source),
          abstract: (ts.getCombinedModifierFlags(node) & ts.ModifierFlags.Abstract) !== 0,
          code: code && literalOf(code),
          name: name && literalOf(name),
          stableName: stableName && literalOf(stableName),
        });
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return classes;
}

/** The classes of src that extend OrchestratorError, directly or through another error class. */
function errorClasses(): DeclaredClass[] {
  const classes = declaredClasses();
  const errors = new Set(['OrchestratorError']);
  for (let grew = true; grew; ) {
    grew = false;
    for (const declared of classes) {
      if (declared.extends !== undefined && errors.has(declared.extends) && !errors.has(declared.className)) {
        errors.add(declared.className);
        grew = true;
      }
    }
  }
  return classes.filter((declared) => errors.has(declared.className));
}

const ERROR_CLASSES = errorClasses();
const CONCRETE = ERROR_CLASSES.filter((declared) => !declared.abstract);
const CATALOGUE: Readonly<Record<string, { className: string; meaning: string }>> = ERROR_CATALOGUE;

// Classes in files another change owns, which do not yet declare `static stableName`: `instanceof`
// holds for them within one copy of the module and, across copies, for their ancestors only.
// Add `static override readonly stableName: string = '<ClassName>';` to each, then remove it here.
describe('the error catalogue', () => {
  it('finds the error classes of src', () => {
    expect(ERROR_CLASSES.map((declared) => declared.className)).toEqual(
      expect.arrayContaining(['OrchestratorError', 'ValidationError', 'ExecutionStartError', 'BuildsTableNotFoundError', 'EnvironmentVariableError']),
    );
  });

  it('lists the code of every concrete error class, under that class', () => {
    for (const declared of CONCRETE) {
      expect(declared.code, `${declared.className} (${declared.file}) states its code as a literal`).toBeDefined();
      expect(CATALOGUE[declared.code!]?.className, `${declared.code} in ERROR_CATALOGUE`).toBe(declared.className);
    }
  });

  it('lists only codes some class throws, each carried by one class', () => {
    const codes = CONCRETE.map((declared) => declared.code);
    expect(new Set(codes).size).toBe(codes.length);
    expect(Object.keys(ERROR_CATALOGUE).sort()).toEqual([...codes].sort());
  });

  it('says what each code means, in one line', () => {
    for (const [code, entry] of Object.entries(CATALOGUE)) {
      expect(code).toMatch(/^[A-Z][A-Z0-9_]*$/);
      expect(entry.meaning).toMatch(/^[A-Z`].*\.$/);
      expect(entry.meaning).not.toContain('\n');
    }
  });

  it('has every error class state its name and its stable name as literals, both its class name', () => {
    for (const declared of ERROR_CLASSES) {
      if (!declared.abstract) expect(declared.name, `${declared.className}'s name`).toBe(declared.className);
      expect(declared.stableName, `${declared.className}'s static stableName`).toBe(declared.className);
    }
  });

  it('holds the instances to the catalogue', () => {
    const build = pendingBuild(aNewBuild(), new Date('2026-03-01T10:00:00Z'));
    const errors: OrchestratorError[] = [
      new ValidationError('repo', 'must not be empty'),
      new BuildNotFoundError(aBuildKey()),
      new BuildAlreadyExistsError(build),
      new IllegalTransitionError(build, 'SUCCESS', 'it is PENDING'),
      new BuildRecordTooLargeError(aBuildKey()),
      new BuildsByStatusUnavailableError(),
      new PermanentExecutionStartError('StateMachineDoesNotExist', 'no state machine'),
      new TransientExecutionStartError('ThrottlingException', 'slow down'),
      new EnvironmentVariableError('BUILDS_TABLE_NAME', 'is not set'),
      new BuildsTableNotFoundError({ tableName: 'prd-aws-deployer--builds', region: 'us-east-1' }, { cause: new Error('gone') }),
    ];
    for (const error of errors) expect(CATALOGUE[error.code]?.className).toBe(error.name);
  });
});
