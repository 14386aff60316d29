import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const INDEX = path.join(__dirname, '..', '..', 'lib', 'index.ts');

/**
 * Every optional property of an interface the package exports, without `@default` in its TSDoc:
 * a user reading the API reference must learn what leaving it out does.
 */
function optionalPropsWithoutDefault(): string[] {
  const program = ts.createProgram([INDEX], { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.CommonJS, strict: true, noEmit: true });
  const checker = program.getTypeChecker();
  const index = checker.getSymbolAtLocation(program.getSourceFile(INDEX)!)!;
  const missing: string[] = [];
  for (const exported of checker.getExportsOfModule(index)) {
    const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
    for (const declaration of symbol.declarations ?? []) {
      if (!ts.isInterfaceDeclaration(declaration)) continue;
      for (const member of declaration.members) {
        if (!ts.isPropertySignature(member) || !member.questionToken) continue;
        const tags = ts.getJSDocTags(member).map((tag) => tag.tagName.text);
        if (!tags.includes('default')) missing.push(`${declaration.name.text}.${member.name.getText()}`);
      }
    }
  }
  return [...new Set(missing)].sort();
}

describe('house rules', () => {
  it('documents the default of every optional prop the package exports', () => {
    expect(optionalPropsWithoutDefault()).toEqual([]);
  });
});
