import type { SqlValue, TaskDb } from './taskDb';

/**
 * Runs one statement per `perStatement` items instead of one per item: each statement costs far more than the rows
 * it carries. `statementFor(n)` is the statement for `n` rows, whose parameters are the rows' values in order; only
 * two sizes are ever asked for (`perStatement` and 1), so the database's statement cache keeps both prepared. Each
 * item's row is made as its statement runs, so only one statement's rows are ever in memory.
 */
export function runMultiRow<T>(db: TaskDb, statementFor: (rows: number) => string, items: readonly T[], rowOf: (item: T) => readonly SqlValue[], perStatement = 100): void {
  let start = 0;
  if (items.length >= perStatement) {
    const sql = statementFor(perStatement);
    for (; start + perStatement <= items.length; start += perStatement) {
      const params: SqlValue[] = [];
      for (let index = start; index < start + perStatement; index += 1) params.push(...rowOf(items[index] as T));
      db.run(sql, ...params);
    }
  }
  for (; start < items.length; start += 1) db.run(statementFor(1), ...rowOf(items[start] as T));
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
