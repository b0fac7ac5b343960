/** `npm run bench -- [--duration N] [--rounds N] [--connections N] [--warmup N] [--soak-duration N] [--soak-rate N] [--quick] [--soak | --no-soak]` */
export interface BenchOptions {
  readonly duration: number;
  readonly rounds: number;
  readonly connections: number;
  readonly warmup: number;
  readonly quick: boolean;
  /** The comparison of every target, then (unless `compare`) the soak; or the soak alone. */
  readonly run: 'both' | 'compare' | 'soak';
  readonly soakSeconds: number;
  /** Requests a second the soak sends, retries included; undefined: as fast as the server answers. */
  readonly soakRate: number | undefined;
}

export const USAGE = `usage: npm run bench -- [options]
  (no option)         every target compared (3 rounds × 10 s), then the 60 s soak
  --duration N        seconds per measured window (default 10)
  --rounds N          interleaved rounds (default 3)
  --connections N     concurrent connections (default 50)
  --warmup N          warm-up seconds per target (default 3)
  --soak-duration N   seconds of the soak (default 60)
  --soak-rate N       the soak at a steady N requests a second, retries included (default: as fast as answered)
  --quick             smoke check of every target and the soak: 1 round of 3 s, 1 s warm-up, a 15 s soak
  --soak              the soak alone (--duration N there sets its length)
  --no-soak           the comparison alone`;

const LIMITS: Record<string, [number, number]> = {
  duration: [1, 600],
  rounds: [1, 20],
  connections: [1, 1000],
  warmup: [0, 60],
  'soak-duration': [4, 3600],
  'soak-rate': [1, 100_000],
};

export function parseOptions(argv: readonly string[]): BenchOptions {
  const numbers: Record<string, number | undefined> = {};
  let quick = false;
  let soakOnly = false;
  let noSoak = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--quick') quick = true;
    else if (arg === '--soak') soakOnly = true;
    else if (arg === '--no-soak') noSoak = true;
    else if (arg === '--help' || arg === '-h') throw new Error(USAGE);
    else {
      const [flag, inline] = arg.split('=', 2);
      const name = flag?.replace(/^--/, '') ?? '';
      const limits = LIMITS[name];
      if (limits === undefined || !flag?.startsWith('--')) throw new Error(`unknown option ${arg}\n${USAGE}`);
      const text = inline ?? argv[++i];
      const value = Number(text);
      if (!Number.isInteger(value) || value < limits[0] || value > limits[1]) {
        throw new Error(`--${name} must be a whole number from ${limits[0]} to ${limits[1]}, not "${text}"`);
      }
      numbers[name] = value;
    }
  }
  if (soakOnly && noSoak) throw new Error(`--soak and --no-soak exclude each other\n${USAGE}`);
  const soakDuration = numbers['soak-duration'] ?? (soakOnly ? numbers.duration : undefined);
  return {
    duration: numbers.duration ?? (quick ? 3 : 10),
    rounds: numbers.rounds ?? (quick ? 1 : 3),
    connections: numbers.connections ?? 50,
    warmup: numbers.warmup ?? (quick ? 1 : 3),
    quick,
    run: soakOnly ? 'soak' : noSoak ? 'compare' : 'both',
    soakSeconds: Math.max(4, soakDuration ?? (quick ? 15 : 60)),
    soakRate: numbers['soak-rate'],
  };
}
