import dotenv from 'dotenv';

/**
 * Loads `.env` of the working directory into `process.env` and returns it; a variable
 * already set in the environment wins over the file. The server and every command read
 * their environment through this, and only they do: the library reads no file behind
 * its caller's back.
 */
export function loadDotenv(): NodeJS.ProcessEnv {
  dotenv.config({ quiet: true });
  return process.env;
}
