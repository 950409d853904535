/**
 * Rounds to the nearest integer, ties to the even neighbour (the rounding of Python's `round`, which the reference
 * token counts were computed with). `Math.round` differs at exact halves: 1024.5 → 1024 here, 1025 there.
 */
export function roundHalfEven(x: number): number {
  const floor = Math.floor(x);
  const fraction = x - floor;
  if (fraction > 0.5) return floor + 1;
  // `floor === 0` also catches -0, which would otherwise print as "-0".
  if (fraction < 0.5) return floor === 0 ? 0 : floor;
  return floor % 2 === 0 ? floor : floor + 1;
}
