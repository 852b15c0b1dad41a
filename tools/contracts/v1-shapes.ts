/**
 * The published v1 shapes of `libs/contracts`: every exported `…V1` type with its fields (name,
 * type as the compiler prints it, optional or not), every string-literal union's members, and every
 * event type with its version — read from the TypeScript sources with the compiler API.
 *
 * `compareShapes(published, current)` applies the compatibility rule: within v1 a field may be added,
 * never removed, renamed, retyped or made optional; a union may gain members, never lose one; an
 * event type never disappears.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ts from 'typescript';

export interface FieldShape {
  type: string;
  optional: boolean;
}

export interface V1Shapes {
  /** `TypeName` → fields, or the members of a string-literal union. */
  types: Record<string, { fields?: Record<string, FieldShape>; members?: string[] }>;
  /** `type@version` of every defined event. */
  events: string[];
}

const ROOT = join(__dirname, '..', '..');
export const CONTRACTS_ENTRY = join(ROOT, 'libs', 'contracts', 'src', 'index.ts');
export const SNAPSHOT_FILE = join(ROOT, 'libs', 'contracts', 'v1-shapes.json');

export function extractShapes(entry = CONTRACTS_ENTRY): V1Shapes {
  const program = ts.createProgram([entry], { strict: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.CommonJS });
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(entry);
  if (!source) throw new Error(`cannot read ${entry}`);
  const moduleSymbol = checker.getSymbolAtLocation(source);
  if (!moduleSymbol) throw new Error(`${entry} exports nothing`);
  const shapes: V1Shapes = { types: {}, events: [] };
  const print = (t: ts.Type) => checker.typeToString(t, undefined, ts.TypeFormatFlags.NoTruncation);
  for (const exported of checker.getExportsOfModule(moduleSymbol)) {
    const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
    const name = exported.getName();
    const declaration = symbol.declarations?.[0];
    if (!declaration) continue;
    if (/V1$/.test(name) && (ts.isInterfaceDeclaration(declaration) || ts.isTypeAliasDeclaration(declaration))) {
      const type = checker.getDeclaredTypeOfSymbol(symbol);
      if (type.isUnion() && type.types.every((m) => m.isStringLiteral())) {
        shapes.types[name] = { members: type.types.map((m) => (m as ts.StringLiteralType).value).sort() };
        continue;
      }
      const fields: Record<string, FieldShape> = {};
      for (const property of checker.getPropertiesOfType(type)) {
        const propertyType = checker.getTypeOfSymbolAtLocation(property, declaration);
        fields[property.getName()] = { type: print(propertyType), optional: (property.flags & ts.SymbolFlags.Optional) !== 0 };
      }
      shapes.types[name] = { fields: Object.fromEntries(Object.entries(fields).sort(([a], [b]) => a.localeCompare(b))) };
    }
    // `export const UserCreated = defineEvent<UserCreatedV1>('user.created', 1)`
    if (ts.isVariableDeclaration(declaration) && declaration.initializer && ts.isCallExpression(declaration.initializer)) {
      const call = declaration.initializer;
      const [typeArg, versionArg] = call.arguments;
      if (ts.isIdentifier(call.expression) && call.expression.text === 'defineEvent' && typeArg && versionArg) {
        shapes.events.push(`${(typeArg as ts.StringLiteral).text}@${(versionArg as ts.NumericLiteral).text}`);
      }
    }
  }
  shapes.events.sort();
  shapes.types = Object.fromEntries(Object.entries(shapes.types).sort(([a], [b]) => a.localeCompare(b)));
  return shapes;
}

/** Every way `current` breaks a consumer of `published` (empty when compatible). */
export function compareShapes(published: V1Shapes, current: V1Shapes): string[] {
  const problems: string[] = [];
  for (const event of published.events) {
    if (!current.events.includes(event)) problems.push(`event ${event} was removed`);
  }
  for (const [name, shape] of Object.entries(published.types)) {
    const now = current.types[name];
    if (!now) {
      problems.push(`${name} was removed or renamed`);
      continue;
    }
    for (const member of shape.members ?? []) {
      if (!now.members?.includes(member)) problems.push(`${name} lost the member '${member}'`);
    }
    for (const [field, was] of Object.entries(shape.fields ?? {})) {
      const is = now.fields?.[field];
      if (!is) problems.push(`${name}.${field} was removed or renamed`);
      else if (is.type !== was.type) problems.push(`${name}.${field} changed type: ${was.type} → ${is.type}`);
      else if (is.optional && !was.optional) problems.push(`${name}.${field} became optional`);
    }
  }
  return problems;
}

if (require.main === module) {
  writeFileSync(SNAPSHOT_FILE, `${JSON.stringify(extractShapes(), null, 2)}\n`);
  console.log(`wrote ${SNAPSHOT_FILE}`);
}
