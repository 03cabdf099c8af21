import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import ts from 'typescript';

/**
 * A lint run as a test: in the apps and libs, every variable, parameter and property that holds money (named
 * `...Micros` / `..._micros`, or a cost or balance) must be typed bigint, or string where money is serialised (JSON
 * payloads, SQL parameters). A `number` there is a float waiting to round someone's balance. The type checker decides,
 * so aliases, inferred types and optional fields are all seen.
 */
const ROOT = join(__dirname, '..', '..', '..');
const SOURCE_DIRS = ['apps/proxy/src', 'apps/admin/src', 'apps/worker/src', 'libs'];
/** `<what>Micros`, `<what>_micros`, `MICROS_*`, and the plain money words. (A bare `micros` may be a duration.) */
const MONEY_NAME = /[a-z]Micros|_micros|^MICROS_|^(cost|costs|balance|reserved|charge|charged|refund)$/;
const LIBS = ['config', 'common', 'db', 'redis', 'billing', 'catalog', 'keys', 'jobs', 'observability'];

function sourceFiles(dir: string): string[] {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return [];
  }
  return entries.flatMap((entry) => {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return entry.endsWith('.ts') && !entry.endsWith('.spec.ts') && !entry.endsWith('.d.ts') ? [path] : [];
  });
}

function isNumberish(type: ts.Type): boolean {
  if (type.isUnion()) return type.types.some(isNumberish);
  return (type.flags & (ts.TypeFlags.Number | ts.TypeFlags.NumberLiteral)) !== 0;
}

interface Scan {
  checked: number;
  findings: string[];
}

/** Every money-named declaration in `files`, and those whose type includes number. */
function scan(files: string[]): Scan {
  const program = ts.createProgram(files, {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.Node16,
    moduleResolution: ts.ModuleResolutionKind.Node16,
    strict: true,
    experimentalDecorators: true,
    emitDecoratorMetadata: true,
    skipLibCheck: true,
    noEmit: true,
    baseUrl: ROOT,
    paths: Object.fromEntries(LIBS.map((lib) => [`@gw/${lib}`, [`libs/${lib}/src`]])),
  });
  const checker = program.getTypeChecker();
  const wanted = new Set(files);
  const result: Scan = { checked: 0, findings: [] };
  for (const file of program.getSourceFiles()) {
    if (!wanted.has(file.fileName)) continue;
    const visit = (node: ts.Node): void => {
      if (
        (ts.isVariableDeclaration(node) ||
          ts.isParameter(node) ||
          ts.isPropertyDeclaration(node) ||
          ts.isPropertySignature(node) ||
          ts.isPropertyAssignment(node) ||
          ts.isShorthandPropertyAssignment(node)) &&
        ts.isIdentifier(node.name) &&
        MONEY_NAME.test(node.name.text)
      ) {
        result.checked++;
        const type = checker.getTypeAtLocation(node.name);
        if (isNumberish(type)) {
          const { line } = file.getLineAndCharacterOfPosition(node.name.getStart());
          result.findings.push(`${relative(ROOT, file.fileName)}:${line + 1} ${node.name.text}: ${checker.typeToString(type)}`);
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(file);
  }
  return result;
}

describe('money is never a number', () => {
  it('types every micro-dollar amount, cost and balance in the apps and libs as bigint (or a decimal string)', () => {
    const files = SOURCE_DIRS.flatMap((dir) => sourceFiles(join(ROOT, dir)));
    expect(files.map((file) => relative(ROOT, file))).toEqual(
      expect.arrayContaining([
        'libs/billing/src/pricing.ts',
        'libs/common/src/money.ts',
        'libs/db/src/repositories/billing-ledger.repository.ts',
        'apps/proxy/src/middleware/billing.interceptor.ts',
      ]),
    );
    const { checked, findings } = scan(files);
    expect(findings).toEqual([]);
    // Not vacuous: the billing path alone declares dozens of amounts.
    expect(checked).toBeGreaterThan(50);
  }, 120_000);

  it('reports money typed number, however it is declared', () => {
    const dir = mkdtempSync(join(tmpdir(), 'money-lint-'));
    try {
      const probe = join(dir, 'probe.ts');
      writeFileSync(
        probe,
        [
          'export const costMicros = 0.1 + 0.2;',
          'export interface Hold { amountMicros?: number; reference: string }',
          'export function charge(balance: number | bigint, priceMicros: bigint): bigint { return priceMicros; }',
          'export const payload = { cost_micros: (12.5).toFixed(2), overrun_micros: 3 };',
        ].join('\n'),
      );
      const { findings } = scan([probe]);
      expect(findings.map((f) => f.replace(/^.*probe\.ts:/, ''))).toEqual([
        '1 costMicros: number',
        '2 amountMicros: number | undefined',
        '3 balance: number | bigint',
        '4 overrun_micros: number',
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
