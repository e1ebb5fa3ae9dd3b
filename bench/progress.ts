// A progress bar on stderr: redrawn in place on a terminal, a line per 10% elsewhere (CI logs).

export class Progress {
  private readonly started = Date.now();
  private lastTenth = -1;

  constructor(
    private readonly label: string,
    private readonly total: number,
  ) {
    this.update(0);
  }

  update(done: number): void {
    const fraction = this.total === 0 ? 1 : done / this.total;
    const seconds = (Date.now() - this.started) / 1000;
    const rate = seconds > 0 ? done / seconds : 0;
    const eta = rate > 0 ? (this.total - done) / rate : 0;
    const text = `${this.label} ${bar(fraction)} ${(fraction * 100).toFixed(0).padStart(3)}% ${done.toLocaleString('en')}/${this.total.toLocaleString('en')} ${Math.round(rate).toLocaleString('en')}/s ETA ${eta.toFixed(0)} s`;
    if (process.stderr.isTTY) {
      process.stderr.write(`\r${text}\x1b[K`);
    } else {
      const tenth = Math.floor(fraction * 10);
      if (tenth !== this.lastTenth) process.stderr.write(text + '\n');
      this.lastTenth = tenth;
    }
  }

  done(summary: string): void {
    process.stderr.write(`${process.stderr.isTTY ? '\r\x1b[K' : ''}${this.label}: ${summary}\n`);
  }
}

function bar(fraction: number, width = 30): string {
  const filled = Math.round(Math.min(1, Math.max(0, fraction)) * width);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}]`;
}
