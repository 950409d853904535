import type { PilotForecast } from '../../shared/pilotForecast';
import type { Transaction } from '../store/fileStore';
import { parseJsonColumn } from './json';
import type { TaskDb } from './taskDb';

/** Stages a pilot's forecast. */
export function savePilotForecast(tx: Transaction, forecast: PilotForecast): void {
  tx.sql((db) => db.run('INSERT INTO pilot_forecasts (created_at, forecast) VALUES (?, ?)', forecast.createdAt, JSON.stringify(forecast)));
}

/** The latest pilot's forecast of the task, if a pilot ran (a database from before pilots has none). */
export function latestPilotForecast(db: TaskDb): PilotForecast | undefined {
  if (db.get("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'pilot_forecasts'") === undefined) return undefined;
  const row = db.get<{ id: number; forecast: string }>('SELECT id, forecast FROM pilot_forecasts ORDER BY id DESC LIMIT 1');
  return row === undefined ? undefined : (parseJsonColumn(db.file, `pilot_forecasts.forecast of row ${row.id}`, row.forecast) as PilotForecast);
}
