import { PassThrough, Readable, type Writable } from 'node:stream';
import ExcelJS from 'exceljs';
import type { ExportCell } from '../domain/voucher-export.js';

export const CSV_CONTENT_TYPE = 'text/csv; charset=utf-8';
export const XLSX_CONTENT_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** Tells spreadsheet programs the file is UTF-8; without it Excel reads it in the locale's code page. */
const BOM = '\uFEFF';

/**
 * A text cell a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, or a tab or carriage
 * return before one) gets a leading `'`, so a group name like `=HYPERLINK(…)` stays text (OWASP's
 * CSV injection advice). Numbers are written as numbers.
 */
export function neutralized(cell: ExportCell): string {
  if (typeof cell === 'number') return String(cell);
  return /^[=+\-@\t\r]/.test(cell) ? `'${cell}` : cell;
}

/** RFC 4180: a field holding a comma, a quote or a line break is quoted, its quotes doubled. */
function csvField(cell: ExportCell): string {
  const text = neutralized(cell);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

const csvLine = (cells: readonly ExportCell[]) => `${cells.map(csvField).join(',')}\r\n`;

/** The rows as RFC 4180 CSV (CRLF lines, UTF-8 with a BOM), a batch at a time as the reader pulls. */
export function csvStream(columns: readonly string[], batches: AsyncIterable<ExportCell[][]>): Readable {
  async function* lines() {
    yield Buffer.from(BOM + csvLine(columns));
    for await (const rows of batches) yield Buffer.from(rows.map(csvLine).join(''));
  }
  return Readable.from(lines(), { objectMode: false });
}

/** Resolves once `stream` can take more, or is gone. */
function drained(stream: Writable): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      stream.off('drain', done);
      stream.off('close', done);
      resolve();
    };
    stream.on('drain', done);
    stream.on('close', done);
  });
}

/**
 * The rows as one worksheet of an XLSX workbook, through exceljs's streaming writer: each row is
 * committed (written out and dropped) as it is added, strings are inline (no shared-string table
 * to keep), and the next batch is read only once the reader has taken what came before, so memory
 * holds about one batch whatever the number of rows.
 */
export function xlsxStream(columns: readonly string[], batches: AsyncIterable<ExportCell[][]>, sheetName: string): Readable {
  const out = new PassThrough();
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useStyles: false, useSharedStrings: false });
  const sheet = workbook.addWorksheet(sheetName);
  void (async () => {
    try {
      sheet.addRow([...columns]).commit();
      for await (const rows of batches) {
        if (out.destroyed) return;
        for (const row of rows) sheet.addRow(row).commit();
        // exceljs writes without waiting for its reader: let the batch reach `out`, then wait while it is full.
        await new Promise((resolve) => setImmediate(resolve));
        while (out.writableNeedDrain && !out.destroyed) await drained(out);
      }
      if (out.destroyed) return;
      sheet.commit();
      await workbook.commit();
    } catch (error) {
      out.destroy(error as Error);
    }
  })();
  return out;
}
