/** `npm run bench -- [--duration N] [--rounds N] [--connections N] [--warmup N] [--quick] [--soak]` */
export interface BenchOptions {
  readonly duration: number;
  readonly rounds: number;
  readonly connections: number;
  readonly warmup: number;
  readonly quick: boolean;
  readonly soak: boolean;
  /** --duration as given, if it was (the soak has its own default). */
  readonly explicitDuration: number | undefined;
}

export const USAGE = `usage: npm run bench -- [options]
  --duration N      seconds per measured window (default 10; soak: 60)
  --rounds N        interleaved rounds (default 3)
  --connections N   concurrent connections (default 50)
  --warmup N        warm-up seconds per target (default 3)
  --quick           smoke check: 1 round of 3 s, 1 s warm-up (soak: 15 s)
  --soak            only our server, mixed messages, events and retries; checks handler runs and RSS`;

const LIMITS: Record<string, [number, number]> = {
  duration: [1, 600],
  rounds: [1, 20],
  connections: [1, 1000],
  warmup: [0, 60],
};

export function parseOptions(argv: readonly string[]): BenchOptions {
  const numbers: Record<string, number | undefined> = {};
  let quick = false;
  let soak = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--quick') quick = true;
    else if (arg === '--soak') soak = true;
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
  return {
    duration: numbers.duration ?? (quick ? 3 : 10),
    rounds: numbers.rounds ?? (quick ? 1 : 3),
    connections: numbers.connections ?? 50,
    warmup: numbers.warmup ?? (quick ? 1 : 3),
    quick,
    soak,
    explicitDuration: numbers.duration,
  };
}
