const iecUnits = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB', 'ZiB', 'YiB'];
const siUnits = ['B', 'KB', 'MB', 'GB', 'TB', 'PB', 'EB', 'ZB', 'YB'];

function formatSize(bytes: number, base: number, units: string[]): string {
  if (!(bytes >= 0)) throw new RangeError(`A size must be a non-negative number of bytes, not ${bytes}`);
  let value = bytes;
  let unit = 0;
  // Switching at 1000 (not at base) keeps every figure to at most three digits before the point; rounding to three
  // significant digits can itself reach 1000 (999.7 -> 1000), which also moves to the next unit.
  while (unit < units.length - 1 && Number(value.toPrecision(3)) >= 1000) {
    value /= base;
    unit += 1;
  }
  return `${Number(value.toPrecision(3))}${units[unit]}`;
}

/** Bytes in binary units with 3 significant digits: `999B`, `0.977KiB` (1000 bytes), `1.5MiB`. */
export function formatSizeIec(bytes: number): string {
  return formatSize(bytes, 1024, iecUnits);
}

/** Bytes in decimal units with 3 significant digits: `999B`, `1KB` (1000 bytes), `1.5MB`. */
export function formatSizeSi(bytes: number): string {
  return formatSize(bytes, 1000, siUnits);
}

/** A duration as one truncated unit: `59s`, `59m` (3599 s), `23h`, `2d`; negative durations get a minus sign. */
export function formatDuration(seconds: number): string {
  const sign = seconds < 0 ? '-' : '';
  const abs = Math.abs(seconds);
  if (abs < 60) return `${sign}${Math.trunc(abs)}s`;
  if (abs < 3600) return `${sign}${Math.trunc(abs / 60)}m`;
  if (abs < 86400) return `${sign}${Math.trunc(abs / 3600)}h`;
  return `${sign}${Math.trunc(abs / 86400)}d`;
}

/** A duration in whole minutes: `Mm` under an hour, else `HhMm` (truncated); negative durations get a minus sign. */
export function formatDurationHmin(seconds: number): string {
  const sign = seconds < 0 ? '-' : '';
  const minutes = Math.trunc(Math.abs(seconds) / 60);
  const hours = Math.trunc(minutes / 60);
  return hours > 0 ? `${sign}${hours}h${minutes % 60}m` : `${sign}${minutes}m`;
}
