import path from 'node:path';
import ts from 'typescript';

const ROOT = path.resolve(__dirname, '../..');

/**
 * The types named in the signatures of what an entry point (src/job-queue/index.ts, worker.ts) exports (parameters, return types, properties,
 * interface members, type aliases), declared in src/ but not exported from the index: what a host could be handed
 * but could not name.
 */
function unexportedSignatureTypes(entry: string): string[] {
  const program = ts.createProgram([entry], {
    target: ts.ScriptTarget.ES2022,
    experimentalDecorators: true,
    strict: true,
  });
  const checker = program.getTypeChecker();
  const resolve = (symbol: ts.Symbol) =>
    symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
  const exported = new Set(
    checker.getExportsOfModule(checker.getSymbolAtLocation(program.getSourceFile(entry)!)!).map(resolve),
  );
  const missing = new Set<string>();

  const visit = (node: ts.Node, where: string): void => {
    if (ts.isTypeReferenceNode(node)) {
      const symbol = checker.getSymbolAtLocation(node.typeName);
      const target = symbol && resolve(symbol);
      const declaration = target?.declarations?.[0];
      const inSource = declaration?.getSourceFile().fileName.startsWith(path.join(ROOT, 'src'));
      // An enum member (JobStatus.COMPLETED) is named through its exported enum.
      const parent = declaration && ts.isEnumMember(declaration) ? declaration.parent : undefined;
      const named =
        exported.has(target!) || (parent && exported.has(resolve(checker.getSymbolAtLocation(parent.name)!)));
      if (inSource && !named && !(target!.flags & ts.SymbolFlags.TypeParameter))
        missing.add(`${target!.name} (in ${where})`);
    }
    ts.forEachChild(node, (child) => visit(child, where));
  };
  const visitSignature = (node: ts.SignatureDeclaration | ts.PropertyDeclaration, where: string) => {
    if ('parameters' in node) for (const parameter of node.parameters) if (parameter.type) visit(parameter.type, where);
    if (node.type) visit(node.type, where);
  };

  for (const symbol of exported) {
    for (const declaration of symbol.declarations ?? []) {
      if (ts.isClassDeclaration(declaration)) {
        for (const member of declaration.members) {
          const modifiers = ts.getCombinedModifierFlags(member);
          if (
            modifiers & (ts.ModifierFlags.Private | ts.ModifierFlags.Protected) ||
            ts.isConstructorDeclaration(member)
          )
            continue;
          if (ts.isMethodDeclaration(member) || ts.isPropertyDeclaration(member) || ts.isGetAccessor(member)) {
            visitSignature(member, `${symbol.name}.${member.name.getText()}`);
          }
        }
      } else if (ts.isFunctionDeclaration(declaration)) visitSignature(declaration, symbol.name);
      else if (ts.isInterfaceDeclaration(declaration) || ts.isTypeAliasDeclaration(declaration))
        visit(declaration, symbol.name);
    }
  }
  return [...missing].sort();
}

describe.each(['index.ts', 'worker.ts'])('The public API (src/job-queue/%s)', (entry) => {
  it('exports every type its exported signatures name', () => {
    expect(unexportedSignatureTypes(path.join(ROOT, 'src/job-queue', entry))).toEqual([]);
  }, 60_000);
});
