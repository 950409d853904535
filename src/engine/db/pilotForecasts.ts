import type { PilotForecast } from '../../shared/pilotForecast';
import type { Transaction } from '../store/fileStore';
import { parseJsonColumn } from './json';
import type { TaskDb } from './taskDb';

/** Stages a pilot's forecast. */
export function savePilotForecast(tx: Transaction, forecast: PilotForecast): void {
  tx.sql((db) => db.run('INSERT INTO pilot_forecasts (created_at, forecast) VALUES (?, ?)', forecast.createdAt, JSON.stringify(forecast)));
}

/** A database from before pilots has no table of forecasts. */
function hasForecasts(db: TaskDb): boolean {
  return db.get("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'pilot_forecasts'") !== undefined;
}

/** The latest pilot's forecast of the task, if a pilot ran. */
export function latestPilotForecast(db: TaskDb): PilotForecast | undefined {
  if (!hasForecasts(db)) return undefined;
  const row = db.get<{ id: number; forecast: string }>('SELECT id, forecast FROM pilot_forecasts ORDER BY id DESC LIMIT 1');
  return row === undefined ? undefined : (parseJsonColumn(db.file, `pilot_forecasts.forecast of row ${row.id}`, row.forecast) as PilotForecast);
}

/** True cost of every pilot the task sent (the answers of each, retries included); 0 when none was answered. */
export function pilotsCost(db: TaskDb): number {
  if (!hasForecasts(db)) return 0;
  return db.get<{ cost: number }>("SELECT coalesce(sum(json_extract(forecast, '$.pilotCost')), 0) AS cost FROM pilot_forecasts")?.cost ?? 0;
}
