import type { EstimateOutput } from './flags';
import { lineJson, summaryJson } from './jsonFormat';
import type { LineResult } from './lineEstimator';
import { lineTableEnd, lineTableHeader, lineTableRow, summaryTable } from './tableFormat';
import type { EstimateSummary } from './totals';

/** The text of one output form, piece by piece: before the first line, for each line, and after the last. */
export interface EstimatePrinter {
  start(): string;
  line(result: LineResult): string;
  end(summary: EstimateSummary): string;
}

const table: EstimatePrinter = {
  start: lineTableHeader,
  line: lineTableRow,
  end: (summary) => `${lineTableEnd()}\n${summaryTable(summary)}`,
};

const jsonLines: EstimatePrinter = {
  start: () => '',
  line: (result) => `${lineJson(result)}\n`,
  end: (summary) => `${JSON.stringify(summaryJson(summary))}\n`,
};

/** `{lines, total, models}`, written a line at a time: one line object per text line. */
function jsonDocument(): EstimatePrinter {
  let first = true;
  return {
    start: () => '{\n  "lines": [',
    line: (result) => {
      const separator = first ? '\n    ' : ',\n    ';
      first = false;
      return separator + lineJson(result);
    },
    end: (summary) => {
      const { total, models } = summaryJson(summary);
      const indented = (value: unknown): string => JSON.stringify(value, null, 2).replaceAll('\n', '\n  ');
      return `${first ? '' : '\n  '}],\n  "total": ${indented(total)},\n  "models": ${indented(models)}\n}\n`;
    },
  };
}

function summaryOnly(output: EstimateOutput): EstimatePrinter {
  return {
    start: () => '',
    line: () => '',
    end: (summary) => {
      if (output === 'table') return summaryTable(summary);
      return `${JSON.stringify(summaryJson(summary), null, output === 'json' ? 2 : undefined)}\n`;
    },
  };
}

/** The printer of an output form; with `summaryOnly`, only the totals are printed, as text or as JSON. */
export function printerFor(output: EstimateOutput, onlySummary: boolean): EstimatePrinter {
  if (onlySummary) return summaryOnly(output);
  if (output === 'jsonl') return jsonLines;
  return output === 'json' ? jsonDocument() : table;
}
