import type { SqlValue, TaskDb } from './taskDb';

/**
 * Runs one statement per `perStatement` rows instead of one per row: each statement costs far more than the rows it
 * carries. `statementFor(n)` is the statement for `n` rows, whose parameters are the rows' values in order; only two
 * sizes are ever asked for (`perStatement` and 1), so the database's statement cache keeps both prepared.
 */
export function runMultiRow(db: TaskDb, statementFor: (rows: number) => string, rows: readonly (readonly SqlValue[])[], perStatement = 100): void {
  let start = 0;
  if (rows.length >= perStatement) {
    const sql = statementFor(perStatement);
    for (; start + perStatement <= rows.length; start += perStatement) db.run(sql, ...rows.slice(start, start + perStatement).flat());
  }
  if (start === rows.length) return;
  const single = statementFor(1);
  for (; start < rows.length; start += 1) db.run(single, ...(rows[start] as SqlValue[]));
}

/**
 * The statement `${head} VALUES group, group, … ${tail}` for any number of rows, each text made once: an INSERT
 * whose VALUES clause holds one `group` (such as `(?, ?, 1)`) per row.
 */
export function multiRowStatement(head: string, group: string, tail = ''): (rows: number) => string {
  const made = new Map<number, string>();
  return (rows) => {
    let sql = made.get(rows);
    if (sql === undefined) {
      sql = `${head} VALUES ${Array(rows).fill(group).join(', ')}${tail === '' ? '' : ` ${tail}`}`;
      made.set(rows, sql);
    }
    return sql;
  };
}
