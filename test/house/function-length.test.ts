import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/** The house rule: no function in lib/ is longer than this many lines (its whole text, signature to closing brace). */
const MAX_LINES = 80;
const LIB = path.join(__dirname, '..', '..', 'lib');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const full = path.join(dir, entry);
    if (statSync(full).isDirectory()) return sourceFiles(full);
    return entry.endsWith('.ts') ? [full] : [];
  });
}

/** Every function, method, accessor, constructor and arrow function of a file longer than the limit. */
export function longFunctions(file: string, text: string, limit: number): string[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body) {
      const start = source.getLineAndCharacterOfPosition(node.getStart(source)).line;
      const end = source.getLineAndCharacterOfPosition(node.getEnd()).line;
      const lines = end - start + 1;
      if (lines > limit) {
        const name = node.name && ts.isIdentifier(node.name) ? node.name.text : ts.isConstructorDeclaration(node) ? 'constructor' : '(anonymous)';
        found.push(`${path.relative(path.join(LIB, '..'), file)}:${start + 1} ${name} is ${lines} lines`);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

describe('house rules', () => {
  it(`no function in lib/ is longer than ${MAX_LINES} lines`, () => {
    const long = sourceFiles(LIB).flatMap((file) => longFunctions(file, readFileSync(file, 'utf8'), MAX_LINES));
    expect(long).toEqual([]);
  });

  it('measures functions, methods and arrow functions', () => {
    const body = Array.from({ length: 5 }, (_, i) => `  const a${i} = ${i};`).join('\n');
    const text = `function f() {\n${body}\n}\nclass C { m() {\n${body}\n} }\nconst g = () => {\n${body}\n};\n`;
    expect(longFunctions('x.ts', text, 6).map((l) => l.split(' ').slice(1).join(' '))).toEqual(['f is 7 lines', 'm is 7 lines', '(anonymous) is 7 lines']);
  });
});
