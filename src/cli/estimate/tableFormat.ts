import { costDecimals } from './jsonFormat';
import type { LineResult } from './lineEstimator';
import type { EstimateSummary } from './totals';

/**
 * Column widths are fixed, so that rows can be printed as they are estimated. A longer cell pushes the rest of its
 * row to the right; the custom_id, whose length is anyone's guess, comes last so that it never does.
 */
const lineColumns = { line: 9, model: 24, input: 9, output: 9, cost: 15 };
const summaryColumns = { model: 24, lines: 9, input: 13, output: 13, cost: 15, failed: 9 };

const money = (value: number): string => value.toFixed(costDecimals);

function cells(row: readonly (readonly [string, number, 'left' | 'right'])[]): string {
  return row
    .map(([text, width, align]) => (align === 'left' ? text.padEnd(width) : text.padStart(width)))
    .join('  ')
    .trimEnd();
}

function rule(widths: readonly number[]): string {
  return widths.map((width) => '-'.repeat(width)).join('  ');
}

const w = lineColumns;
const lineRule = rule([w.line, w.model, w.input, w.output, w.cost, w.cost, 'custom_id'.length]);

/** The header of the per-line table. */
export function lineTableHeader(): string {
  const header = cells([
    ['line', w.line, 'right'],
    ['model', w.model, 'left'],
    ['input', w.input, 'right'],
    ['output', w.output, 'right'],
    ['cost batch', w.cost, 'right'],
    ['cost direct', w.cost, 'right'],
    ['custom_id', 0, 'left'],
  ]);
  return `${header}\n${lineRule}\n`;
}

/** One row of the per-line table; a line not estimated shows why. */
export function lineTableRow(result: LineResult): string {
  if ('error' in result) {
    return `${String(result.line).padStart(w.line)}  not estimated: ${result.error.slice(result.error.indexOf(': ') + 2)}\n`;
  }
  const row = cells([
    [String(result.line), w.line, 'right'],
    [result.model, w.model, 'left'],
    [String(result.input_tokens), w.input, 'right'],
    [String(result.assumed_output_tokens), w.output, 'right'],
    [money(result.cost_batch), w.cost, 'right'],
    [money(result.cost_direct), w.cost, 'right'],
    [result.custom_id ?? '', 0, 'left'],
  ]);
  return `${row}\n`;
}

/** The end of the per-line table. */
export function lineTableEnd(): string {
  return `${lineRule}\n`;
}

/** The totals per model and overall, then which lines failed and which prices were guessed. */
export function summaryTable(summary: EstimateSummary): string {
  const s = summaryColumns;
  const widths = [s.model, s.lines, s.input, s.output, s.cost, s.cost, s.failed];
  const row = (name: string, totals: EstimateSummary['total']): string =>
    cells([
      [name, s.model, 'left'],
      [String(totals.lines), s.lines, 'right'],
      [String(totals.input_tokens), s.input, 'right'],
      [String(totals.assumed_output_tokens), s.output, 'right'],
      [money(totals.cost_batch), s.cost, 'right'],
      [money(totals.cost_direct), s.cost, 'right'],
      [String(totals.errors), s.failed, 'right'],
    ]);
  const header = cells([
    ['model', s.model, 'left'],
    ['lines', s.lines, 'right'],
    ['input', s.input, 'right'],
    ['output', s.output, 'right'],
    ['cost batch', s.cost, 'right'],
    ['cost direct', s.cost, 'right'],
    ['failed', s.failed, 'right'],
  ]);
  const models = [...summary.models].map(([name, totals]) => row(totals.prices_guessed ? `${name} *` : name, totals));
  const out = [header, rule(widths), ...models, rule(widths), row('total', summary.total)];
  if ([...summary.models.values()].some((totals) => totals.prices_guessed)) {
    out.push('', '* prices guessed: the model is not in the price table (see the warnings)');
  }
  const { errors } = summary.total;
  if (errors > 0) {
    out.push('', `${errors} line(s) not estimated${errors > summary.firstErrors.length ? `; the first ${summary.firstErrors.length}` : ''}:`);
    out.push(...summary.firstErrors.map((error) => `  ${error}`));
  }
  return `${out.join('\n')}\n`;
}
