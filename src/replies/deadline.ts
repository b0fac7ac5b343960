/** The outcome of racing work against WeChat's reply deadline. */
export type Raced<T> = { readonly late: false; readonly value: T } | { readonly late: true };

/**
 * Resolves with the work's value if it settles within `ms`, or `{ late: true }` at that
 * moment. The work goes on either way; the timer never outlives the race.
 */
export function raceDeadline<T>(work: Promise<T>, ms: number): Promise<Raced<T>> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<Raced<T>>((resolve) => {
    timer = setTimeout(() => resolve({ late: true }), ms);
  });
  const onTime = work.then((value): Raced<T> => ({ late: false, value }));
  return Promise.race([onTime, deadline]).finally(() => clearTimeout(timer));
}
