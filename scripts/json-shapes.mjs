// The --json shape of every command, as a JSON Schema generated from the command's result type
// (the type argument of `SoulrecallCommand<…>`), checked in under test/json-shapes/. A change to
// a result type then shows up as a diff of these files, and test/json-shapes.test.ts fails until
// they are regenerated: `node scripts/json-shapes.mjs --write`.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { createGenerator } from 'ts-json-schema-generator';

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
export const shapesDir = join(repoRoot, 'test', 'json-shapes');
const COMMAND_ROOTS = [
  'src/commands',
  'plugins/plugin-blue-green/src/commands',
  'plugins/plugin-history/src/commands',
  'plugins/plugin-network/src/commands',
  'plugins/plugin-promotion/src/commands',
];

/** Command id (`backup list`) → the result type named in its class and the module it comes from. */
export function commandResultTypes() {
  const found = [];
  for (const root of COMMAND_ROOTS) {
    for (const file of commandFiles(join(repoRoot, root))) {
      const resultType = resultTypeOf(file);
      if (!resultType) continue; // not a SoulrecallCommand (e.g. the hidden __complete)
      const id = relative(join(repoRoot, root), file)
        .replace(/\.ts$/, '')
        .replace(/\/index$/, '')
        .split('/')
        .join(' ');
      found.push({ id, ...resultType });
    }
  }
  return found.sort((a, b) => a.id.localeCompare(b.id));
}

function commandFiles(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return commandFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

function resultTypeOf(file) {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);
  let typeName;
  source.forEachChild(function visit(node) {
    if (
      ts.isExpressionWithTypeArguments(node) &&
      node.expression.getText(source) === 'SoulrecallCommand' &&
      node.typeArguments?.length === 1
    ) {
      typeName = node.typeArguments[0].getText(source);
    }
    node.forEachChild(visit);
  });
  if (!typeName) return undefined;
  // Where the name comes from: an import of the command file, else the command file itself.
  for (const statement of source.statements) {
    if (
      !ts.isImportDeclaration(statement) ||
      !statement.importClause?.namedBindings ||
      !ts.isNamedImports(statement.importClause.namedBindings)
    )
      continue;
    const element = statement.importClause.namedBindings.elements.find((candidate) => candidate.name.text === typeName);
    if (!element) continue;
    const specifier = statement.moduleSpecifier.text;
    const from = specifier.startsWith('.') ? join(dirname(file), specifier).replace(/\.js$/, '.ts') : specifier;
    return { typeName, exportedAs: element.propertyName?.text ?? typeName, from };
  }
  return { typeName, exportedAs: typeName, from: file };
}

/** The schema of every command's --json result, by command id. */
export function generateSchemas() {
  const commands = commandResultTypes();
  const entry = join(shapesDir, '.results.generated.ts');
  const lines = commands.map((command, index) => {
    const from = command.from.startsWith('/')
      ? `./${relative(shapesDir, command.from).replace(/\.ts$/, '.js')}`
      : command.from;
    return `import type { ${command.exportedAs} as Imported${index} } from '${from}';\nexport type Result${index} = Imported${index};`;
  });
  writeFileSync(entry, `// Written by scripts/json-shapes.mjs; not checked in.\n${lines.join('\n')}\n`);
  const generator = createGenerator({
    path: entry,
    tsconfig: join(shapesDir, 'tsconfig.json'),
    skipTypeCheck: true,
    additionalProperties: false,
    expose: 'export',
    jsDoc: 'none',
    topRef: false,
    functions: 'hide',
  });
  return Object.fromEntries(
    commands.map((command, index) => [
      command.id,
      { $comment: `soulrecall ${command.id} --json: ${command.typeName}`, ...generator.createSchema(`Result${index}`) },
    ]),
  );
}

export function schemaFile(id) {
  return join(shapesDir, `${id.split(' ').join('-')}.schema.json`);
}

export function serialise(schema) {
  return `${JSON.stringify(schema, null, 2)}\n`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const schemas = generateSchemas();
  for (const [id, schema] of Object.entries(schemas)) {
    if (process.argv.includes('--write')) writeFileSync(schemaFile(id), serialise(schema));
    else process.stdout.write(`${id}\n`);
  }
}
