import { formatBytes } from '@updraft/protocol';

/** A progress bar on stderr, only when stderr is a terminal and output is not JSON. */
export function progressBar(label: string, total: number, enabled: boolean): { tick(n: number): void; done(): void } {
  if (!enabled || !process.stderr.isTTY || total <= 0) return { tick() {}, done() {} };
  let current = 0;
  let lastDraw = 0;
  const draw = () => {
    const width = 30;
    const filled = Math.round((current / total) * width);
    const pct = Math.floor((current / total) * 100);
    process.stderr.write(
      `\r${label} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${pct}% ${formatBytes(current)}/${formatBytes(total)}`,
    );
  };
  return {
    tick(n) {
      current += n;
      const now = Date.now();
      if (now - lastDraw > 80 || current >= total) {
        lastDraw = now;
        draw();
      }
    },
    done() {
      current = total;
      draw();
      process.stderr.write('\n');
    },
  };
}
