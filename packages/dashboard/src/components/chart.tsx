/** A small hand-written SVG line chart (no chart library): time on x, one or more series on y. */
import { axisTicks, type YAxis } from './axis.js';

export interface Series {
  name: string;
  color: string;
  points: [number, number][];
}

const W = 560;
const H = 180;
const PAD = { left: 48, right: 12, top: 12, bottom: 26 };

export function LineChart({ title, series, y, empty }: { title: string; series: Series[]; y: YAxis; empty: string }) {
  const all = series.flatMap((s) => s.points);
  if (all.length === 0) {
    return (
      <figure className="chart">
        <figcaption>{title}</figcaption>
        <div className="chart-empty">{empty}</div>
      </figure>
    );
  }
  const xs = all.map((p) => p[0]);
  let x0 = Math.min(...xs);
  let x1 = Math.max(...xs);
  if (x1 === x0) {
    x0 -= 60_000;
    x1 += 60_000;
  }
  const { ticks, step } = axisTicks(Math.max(0, ...all.map((p) => p[1])), y);
  const top = ticks[ticks.length - 1]!;
  const sx = (x: number) => PAD.left + ((x - x0) / (x1 - x0)) * (W - PAD.left - PAD.right);
  const sy = (v: number) => H - PAD.bottom - (v / top) * (H - PAD.top - PAD.bottom);
  const time = (ms: number) => new Date(ms).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  return (
    <figure className="chart">
      <figcaption>
        {title}
        <span className="legend">
          {series.map((s) => (
            <span key={s.name}>
              <i style={{ background: s.color }} /> {s.name}
            </span>
          ))}
        </span>
      </figcaption>
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={title}>
        {ticks.map((t) => (
          <g key={t}>
            <line x1={PAD.left} x2={W - PAD.right} y1={sy(t)} y2={sy(t)} className="grid" />
            <text x={PAD.left - 6} y={sy(t) + 4} textAnchor="end" className="axis" data-testid="y-tick">
              {y.label(t, step)}
            </text>
          </g>
        ))}
        <text x={PAD.left} y={H - 6} className="axis">
          {time(x0)}
        </text>
        <text x={W - PAD.right} y={H - 6} textAnchor="end" className="axis">
          {time(x1)}
        </text>
        {series.map((s) => (
          <g key={s.name}>
            <polyline
              fill="none"
              stroke={s.color}
              strokeWidth={2}
              points={s.points.map(([x, y]) => `${sx(x).toFixed(1)},${sy(y).toFixed(1)}`).join(' ')}
            />
            {s.points.length === 1 && <circle cx={sx(s.points[0]![0])} cy={sy(s.points[0]![1])} r={3} fill={s.color} />}
          </g>
        ))}
      </svg>
    </figure>
  );
}
