/**
 * How far to move an axis label of `labelWidth` pixels, centred on its tick at `tickX`, so that
 * it stays within a lane `laneWidth` wide: a tick near an edge centred its label half outside the
 * chart, where it was cut ("17:58:3"). Zero for a label that fits; a label wider than the lane
 * keeps its start in view.
 */
export function axisLabelShift(tickX: number, labelWidth: number, laneWidth: number): number {
  const left = tickX - labelWidth / 2;
  const inside = Math.max(0, Math.min(left, laneWidth - labelWidth));
  return inside - left;
}
