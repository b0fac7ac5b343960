import { readFileSync } from 'node:fs';
import dotenv from 'dotenv';
import type { Env } from './config-variables.js';

/** The variables `.env` supplied at start-up, which the environment did not set. */
let suppliedByFile = new Set<string>();

/**
 * Loads `.env` of the working directory into `process.env` and returns it; a variable
 * already set in the environment wins over the file. The server and every command read
 * their environment through this, and only they do: the library reads no file behind
 * its caller's back.
 */
export function loadDotenv(): NodeJS.ProcessEnv {
  const before = new Set(Object.keys(process.env));
  dotenv.config({ quiet: true });
  suppliedByFile = new Set([...suppliedByFile, ...Object.keys(process.env).filter((name) => !before.has(name))]);
  return process.env;
}

/**
 * The environment as it would be read now: the process's own variables, over a fresh
 * read of `.env` (for a live edit of the accounts file, whose `${VAR}` may name a
 * variable added to `.env` since the start). A `.env` that cannot be read counts as empty.
 */
export function freshEnvironment(): Env {
  let file: Record<string, string> = {};
  try {
    file = dotenv.parse(readFileSync('.env', 'utf8'));
  } catch {
    // No .env (or unreadable): the environment alone.
  }
  const environment = Object.fromEntries(Object.entries(process.env).filter(([name]) => !suppliedByFile.has(name)));
  return { ...file, ...environment };
}
